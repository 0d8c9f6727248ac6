namespace MqttHealth.Payloads.Compression;

/// <summary>
/// A zstd call failed, with zstd's error code and name: a frame that is truncated, corrupt, not of this dictionary,
/// or larger than the destination, or a native failure. <see cref="ZstdDictionaryCodec.Decompress"/> throws it as the
/// inner exception of the <see cref="InvalidDataException"/> that <see cref="Envelope.IEnvelopeCompression"/> promises.
/// </summary>
public sealed class ZstdException : Exception
{
    public ZstdException()
    {
    }

    public ZstdException(string message)
        : base(message)
    {
    }

    public ZstdException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    private ZstdException(string message, int errorCode, string errorName)
        : base(message)
    {
        ErrorCode = errorCode;
        ErrorName = errorName;
    }

    /// <summary>The ZSTD_ErrorCode (zstd_errors.h), 0 when the failure did not come from zstd.</summary>
    public int ErrorCode { get; }

    /// <summary>zstd's own name for the error (ZSTD_getErrorName), empty when the failure did not come from zstd.</summary>
    public string ErrorName { get; } = "";

    internal static ZstdException FromCode(nuint code, string operation)
    {
        var errorCode = ZstdNative.GetErrorCode(code);
        var name = ZstdNative.ErrorName(code);
        var meaning = errorCode switch
        {
            ZstdNative.ErrorDstSizeTooSmall => "the frame's content is larger than the destination allows; refused",
            ZstdNative.ErrorSrcSizeWrong => "the frame is truncated or has trailing bytes",
            ZstdNative.ErrorCorruptionDetected => "the frame is corrupt",
            ZstdNative.ErrorPrefixUnknown => "the data is not a zstd frame",
            ZstdNative.ErrorFrameParameterUnsupported => "the frame header is not one this codec writes",
            ZstdNative.ErrorWindowTooLarge => "the frame asks for a window larger than allowed",
            ZstdNative.ErrorDictionaryCorrupted => "the dictionary is corrupt",
            ZstdNative.ErrorDictionaryWrong => "the frame was not made with this dictionary",
            _ => "zstd reported an error",
        };
        return new ZstdException($"{operation}: {meaning} (zstd: {name}).", errorCode, name);
    }
}
