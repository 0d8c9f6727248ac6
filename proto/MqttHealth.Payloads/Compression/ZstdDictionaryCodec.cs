using MqttHealth.Payloads.Envelope;

namespace MqttHealth.Payloads.Compression;

/// <summary>
/// zstd with a trained dictionary, in the frame the envelope carries: magicless (ZSTD_f_zstd1_magicless), no
/// dictionary id (the envelope header names the dictionary), no checksum (the AEAD tag already authenticates the
/// ciphertext, so decompression only ever sees authentic bytes), content size as the manifest says.
/// <para>
/// Thread-safety: one compression and one decompression context are created once and reused for every call (no
/// allocation per message). Each direction is guarded by its own lock, so a codec is safe to share, but calls in the
/// same direction run one at a time. For parallel throughput create one codec per thread from the same
/// <see cref="ZstdDictionary"/> (the digested dictionary is shared read-only, only the contexts are per codec).
/// </para>
/// </summary>
public sealed unsafe class ZstdDictionaryCodec : IEnvelopeCompression, IDisposable
{
    private readonly ZstdDictionary _dictionary;
    private readonly ZstdCompressionContextHandle _cctx;
    private readonly ZstdDecompressionContextHandle _dctx;
    private readonly Lock _compressLock = new();
    private readonly Lock _decompressLock = new();

    public ZstdDictionaryCodec(ZstdDictionary dictionary)
        : this(dictionary, dictionary.Manifest.ContentSize)
    {
    }

    /// <summary>A codec that writes or omits the content size regardless of the manifest (measurements).</summary>
    public ZstdDictionaryCodec(ZstdDictionary dictionary, bool writeContentSize)
    {
        _dictionary = dictionary;
        _cctx = ZstdNative.CreateCCtx();
        _dctx = ZstdNative.CreateDCtx();
        if (_cctx.IsInvalid || _dctx.IsInvalid)
        {
            _cctx.Dispose();
            _dctx.Dispose();
            throw new ZstdException("zstd could not allocate a context.");
        }
        const string setup = "Setting up the zstd contexts";
        ZstdNative.Check(ZstdNative.CCtxSetParameter(_cctx, ZstdNative.CParamFormat, ZstdNative.FormatMagicless), setup);
        ZstdNative.Check(ZstdNative.CCtxSetParameter(_cctx, ZstdNative.CParamCompressionLevel, dictionary.Manifest.Level), setup);
        ZstdNative.Check(ZstdNative.CCtxSetParameter(_cctx, ZstdNative.CParamChecksumFlag, 0), setup);
        ZstdNative.Check(ZstdNative.CCtxSetParameter(_cctx, ZstdNative.CParamDictIdFlag, 0), setup);
        ZstdNative.Check(ZstdNative.CCtxSetParameter(_cctx, ZstdNative.CParamContentSizeFlag, writeContentSize ? 1 : 0), setup);
        ZstdNative.Check(ZstdNative.CCtxRefCDict(_cctx, dictionary.CDict), setup);
        ZstdNative.Check(ZstdNative.DCtxSetParameter(_dctx, ZstdNative.DParamFormat, ZstdNative.FormatMagicless), setup);
        ZstdNative.Check(ZstdNative.DCtxRefDDict(_dctx, dictionary.DDict), setup);
    }

    public byte DictionaryId => _dictionary.Id;

    public ZstdDictionary Dictionary => _dictionary;

    /// <summary>The largest frame <paramref name="sourceLength"/> bytes can compress to (ZSTD_compressBound).</summary>
    public static int GetMaxCompressedLength(int sourceLength) =>
        checked((int)ZstdNative.CompressBound((nuint)sourceLength));

    public int Compress(ReadOnlySpan<byte> source, Span<byte> destination)
    {
        nuint written;
        lock (_compressLock)
        {
            fixed (byte* src = source)
            fixed (byte* dst = destination)
            {
                written = ZstdNative.Compress2(_cctx, dst, (nuint)destination.Length, src, (nuint)source.Length);
            }
        }
        if (ZstdNative.IsError(written) != 0)
        {
            if (ZstdNative.GetErrorCode(written) == ZstdNative.ErrorDstSizeTooSmall)
            {
                return -1;
            }
            throw ZstdException.FromCode(written, $"Compressing with dictionary {DictionaryId}");
        }
        return (int)written;
    }

    public int Decompress(ReadOnlySpan<byte> source, Span<byte> destination)
    {
        if (source.IsEmpty)
        {
            // zstd reads "no frames" as zero bytes of content; the envelope never sends an empty frame.
            throw new InvalidDataException($"Decompressing with dictionary {DictionaryId}: the frame is empty.");
        }
        nuint written;
        lock (_decompressLock)
        {
            fixed (byte* src = source)
            fixed (byte* dst = destination)
            {
                // Bounded by the destination: a frame whose declared or decoded content exceeds it fails with
                // dstSize_tooSmall before anything past the destination is written.
                written = ZstdNative.DecompressDCtx(_dctx, dst, (nuint)destination.Length, src, (nuint)source.Length);
            }
        }
        if (ZstdNative.IsError(written) != 0)
        {
            var error = ZstdException.FromCode(written, $"Decompressing with dictionary {DictionaryId}");
            throw new InvalidDataException(error.Message, error);
        }
        return (int)written;
    }

    public void Dispose()
    {
        _cctx.Dispose();
        _dctx.Dispose();
    }
}
