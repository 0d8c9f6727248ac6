using System.Runtime.InteropServices;

namespace MqttHealth.Payloads.Compression;

/// <summary>
/// The part of the system zstd (libzstd.so.1, Debian libzstd1 1.5.4) this library calls. Parameter numbers are
/// from zstd.h; ZSTD_c_format and ZSTD_d_format are the "experimental" parameters (ZSTD_c_experimentalParam2,
/// ZSTD_d_experimentalParam1) that the shared library accepts through the stable setParameter functions.
/// </summary>
internal static unsafe partial class ZstdNative
{
    private const string Library = "libzstd.so.1";

    internal const int CParamCompressionLevel = 100;
    internal const int CParamContentSizeFlag = 200;
    internal const int CParamChecksumFlag = 201;
    internal const int CParamDictIdFlag = 202;
    internal const int CParamFormat = 10;        // ZSTD_c_experimentalParam2
    internal const int DParamWindowLogMax = 100;
    internal const int DParamFormat = 1000;      // ZSTD_d_experimentalParam1
    internal const int FormatMagicless = 1;      // ZSTD_f_zstd1_magicless

    // ZSTD_ErrorCode values (zstd_errors.h) the codec turns into specific messages.
    internal const int ErrorPrefixUnknown = 10;
    internal const int ErrorFrameParameterUnsupported = 14;
    internal const int ErrorWindowTooLarge = 16;
    internal const int ErrorCorruptionDetected = 20;
    internal const int ErrorDictionaryCorrupted = 30;
    internal const int ErrorDictionaryWrong = 32;
    internal const int ErrorDstSizeTooSmall = 70;
    internal const int ErrorSrcSizeWrong = 72;

    [LibraryImport(Library, EntryPoint = "ZSTD_versionNumber")]
    internal static partial uint VersionNumber();

    [LibraryImport(Library, EntryPoint = "ZSTD_isError")]
    internal static partial uint IsError(nuint code);

    [LibraryImport(Library, EntryPoint = "ZSTD_getErrorName")]
    internal static partial nint GetErrorName(nuint code);

    [LibraryImport(Library, EntryPoint = "ZSTD_getErrorCode")]
    internal static partial int GetErrorCode(nuint code);

    [LibraryImport(Library, EntryPoint = "ZSTD_compressBound")]
    internal static partial nuint CompressBound(nuint srcSize);

    [LibraryImport(Library, EntryPoint = "ZSTD_createCCtx")]
    internal static partial ZstdCompressionContextHandle CreateCCtx();

    [LibraryImport(Library, EntryPoint = "ZSTD_freeCCtx")]
    internal static partial nuint FreeCCtx(nint cctx);

    [LibraryImport(Library, EntryPoint = "ZSTD_createDCtx")]
    internal static partial ZstdDecompressionContextHandle CreateDCtx();

    [LibraryImport(Library, EntryPoint = "ZSTD_freeDCtx")]
    internal static partial nuint FreeDCtx(nint dctx);

    [LibraryImport(Library, EntryPoint = "ZSTD_createCDict")]
    internal static partial ZstdCompressionDictionaryHandle CreateCDict(byte* dict, nuint dictSize, int compressionLevel);

    [LibraryImport(Library, EntryPoint = "ZSTD_freeCDict")]
    internal static partial nuint FreeCDict(nint cdict);

    [LibraryImport(Library, EntryPoint = "ZSTD_createDDict")]
    internal static partial ZstdDecompressionDictionaryHandle CreateDDict(byte* dict, nuint dictSize);

    [LibraryImport(Library, EntryPoint = "ZSTD_freeDDict")]
    internal static partial nuint FreeDDict(nint ddict);

    [LibraryImport(Library, EntryPoint = "ZSTD_CCtx_setParameter")]
    internal static partial nuint CCtxSetParameter(ZstdCompressionContextHandle cctx, int param, int value);

    [LibraryImport(Library, EntryPoint = "ZSTD_DCtx_setParameter")]
    internal static partial nuint DCtxSetParameter(ZstdDecompressionContextHandle dctx, int param, int value);

    [LibraryImport(Library, EntryPoint = "ZSTD_CCtx_refCDict")]
    internal static partial nuint CCtxRefCDict(ZstdCompressionContextHandle cctx, ZstdCompressionDictionaryHandle cdict);

    [LibraryImport(Library, EntryPoint = "ZSTD_DCtx_refDDict")]
    internal static partial nuint DCtxRefDDict(ZstdDecompressionContextHandle dctx, ZstdDecompressionDictionaryHandle ddict);

    [LibraryImport(Library, EntryPoint = "ZSTD_compress2")]
    internal static partial nuint Compress2(ZstdCompressionContextHandle cctx, byte* dst, nuint dstCapacity, byte* src, nuint srcSize);

    [LibraryImport(Library, EntryPoint = "ZSTD_decompressDCtx")]
    internal static partial nuint DecompressDCtx(ZstdDecompressionContextHandle dctx, byte* dst, nuint dstCapacity, byte* src, nuint srcSize);

    [LibraryImport(Library, EntryPoint = "ZDICT_trainFromBuffer")]
    internal static partial nuint TrainFromBuffer(byte* dictBuffer, nuint dictBufferCapacity, byte* samplesBuffer, nuint* samplesSizes, uint nbSamples);

    [LibraryImport(Library, EntryPoint = "ZDICT_isError")]
    internal static partial uint DictIsError(nuint code);

    [LibraryImport(Library, EntryPoint = "ZDICT_getErrorName")]
    internal static partial nint DictGetErrorName(nuint code);

    /// <summary>Returns <paramref name="result"/> when it is not a zstd error code; otherwise throws <see cref="ZstdException"/>.</summary>
    internal static nuint Check(nuint result, string operation)
    {
        if (IsError(result) != 0)
        {
            throw ZstdException.FromCode(result, operation);
        }
        return result;
    }

    internal static string ErrorName(nuint code) => Marshal.PtrToStringAnsi(GetErrorName(code)) ?? "unknown error";
}
