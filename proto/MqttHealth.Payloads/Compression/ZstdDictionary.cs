using System.Security.Cryptography;

namespace MqttHealth.Payloads.Compression;

/// <summary>
/// A loaded zstd dictionary: its bytes digested once into a compression dictionary (CDict, at the manifest's level)
/// and a decompression dictionary (DDict). Both are read-only after creation and shared by every codec made from
/// this object, on any thread.
/// </summary>
public sealed unsafe class ZstdDictionary : IDisposable
{
    private ZstdDictionary(ZstdDictionaryManifest manifest, byte[] content, ZstdCompressionDictionaryHandle cdict, ZstdDecompressionDictionaryHandle ddict)
    {
        Manifest = manifest;
        Content = content;
        CDict = cdict;
        DDict = ddict;
    }

    public ZstdDictionaryManifest Manifest { get; }

    public byte Id => Manifest.Id;

    /// <summary>The dictionary file's bytes (a copy is kept; callers must not modify it).</summary>
    internal byte[] Content { get; }

    internal ZstdCompressionDictionaryHandle CDict { get; }

    internal ZstdDecompressionDictionaryHandle DDict { get; }

    /// <summary>
    /// Checks <paramref name="content"/> against the manifest (size, SHA-256) and digests it; throws
    /// <see cref="DictionaryIntegrityException"/> on a mismatch.
    /// </summary>
    public static ZstdDictionary Create(ZstdDictionaryManifest manifest, ReadOnlySpan<byte> content)
    {
        if (content.Length != manifest.Size)
        {
            throw new DictionaryIntegrityException(
                $"Dictionary {manifest.Id} ({manifest.Name}): the file has {content.Length} bytes, the manifest says {manifest.Size}.");
        }
        var actual = Convert.ToHexStringLower(SHA256.HashData(content));
        if (!string.Equals(actual, manifest.Sha256, StringComparison.Ordinal))
        {
            throw new DictionaryIntegrityException(
                $"Dictionary {manifest.Id} ({manifest.Name}): SHA-256 {actual} does not match the manifest's {manifest.Sha256}.");
        }
        return CreateUnchecked(manifest, content);
    }

    /// <summary>Digests a dictionary without a manifest check (the trainer measuring candidates).</summary>
    internal static ZstdDictionary CreateUnchecked(ZstdDictionaryManifest manifest, ReadOnlySpan<byte> content)
    {
        var copy = content.ToArray();
        ZstdCompressionDictionaryHandle cdict;
        ZstdDecompressionDictionaryHandle ddict;
        fixed (byte* p = copy)
        {
            cdict = ZstdNative.CreateCDict(p, (nuint)copy.Length, manifest.Level);
            ddict = ZstdNative.CreateDDict(p, (nuint)copy.Length);
        }
        if (cdict.IsInvalid || ddict.IsInvalid)
        {
            cdict.Dispose();
            ddict.Dispose();
            throw new DictionaryIntegrityException($"Dictionary {manifest.Id} ({manifest.Name}): zstd could not load it.");
        }
        return new ZstdDictionary(manifest, copy, cdict, ddict);
    }

    public void Dispose()
    {
        CDict.Dispose();
        DDict.Dispose();
    }
}
