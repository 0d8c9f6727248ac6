using System.Security.Cryptography;

namespace MqttHealth.Broker.Audit;

/// <summary>A SHA-256 digest of a payload (32 bytes), compared by value; never the payload itself.</summary>
public sealed class AuditPayloadHash : IEquatable<AuditPayloadHash>
{
    public const int Length = SHA256.HashSizeInBytes;

    private readonly byte[] _bytes;

    /// <summary>Wraps a digest computed elsewhere.</summary>
    /// <exception cref="ArgumentException">The digest is not 32 bytes.</exception>
    public AuditPayloadHash(ReadOnlySpan<byte> digest)
    {
        if (digest.Length != Length)
        {
            throw new ArgumentException($"A SHA-256 digest has {Length} bytes, not {digest.Length}.", nameof(digest));
        }

        _bytes = digest.ToArray();
    }

    public ReadOnlySpan<byte> Bytes => _bytes;

    /// <summary>Lower-case hexadecimal, as in the export and in <c>sha256sum</c>.</summary>
    public override string ToString() => Convert.ToHexStringLower(_bytes);

    public bool Equals(AuditPayloadHash? other) => other is not null && _bytes.AsSpan().SequenceEqual(other._bytes);

    public override bool Equals(object? obj) => Equals(obj as AuditPayloadHash);

    public override int GetHashCode() => BitConverter.ToInt32(_bytes, 0);
}
