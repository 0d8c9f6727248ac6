using System.Security.Cryptography;

namespace MqttHealth.Broker.Audit;

/// <summary>What the audit trail keeps of a payload: its size and its SHA-256, never its content.</summary>
public static class AuditPayload
{
    /// <summary>Hashes <paramref name="payload"/> (the bytes as sent) without keeping a reference to it.</summary>
    public static AuditPayloadHash Sha256(ReadOnlySpan<byte> payload)
    {
        Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(payload, digest);
        return new AuditPayloadHash(digest);
    }

    /// <summary>A copy of <paramref name="record"/> with the size and hash of <paramref name="payload"/> filled in; the content is not kept.</summary>
    public static AuditRecord Describe(AuditRecord record, ReadOnlySpan<byte> payload) =>
        record with { PayloadSize = payload.Length, PayloadSha256 = Sha256(payload) };
}
