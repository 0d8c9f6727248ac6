using System.Buffers.Binary;
using System.Text;

namespace MqttHealth.Broker.Audit;

/*
 * The canonical encoding of an AuditRecord: the bytes that are hashed, signed (through the tree) and stored.
 * docs/audit.md describes it byte by byte so that an auditor can re-implement verification:
 *
 *   u8      format version, 0x01
 *   i64 BE  time, Unix milliseconds (UTC)
 *   str     kind (the AuditEventKind member name, ASCII)
 *   str     principal
 *   str     client id
 *   str     remote address
 *   str     topic or topic filter
 *   i64 BE  payload size, -1 when absent
 *   u8      payload hash length, 0 (absent) or 32, then that many bytes
 *   str     detail
 *
 * where str = u32 BE byte length then that many bytes of UTF-8, or 0xFFFFFFFF (and nothing) when absent.
 * Nothing else (no padding, no trailing bytes). Decode accepts exactly this and nothing more, so a
 * record's bytes and its fields are one-to-one.
 */
internal static class AuditRecordEncoding
{
    public const byte FormatVersion = 1;

    private const uint Absent = uint.MaxValue;

    // Strict: an unpaired surrogate is refused rather than silently replaced, so decoding gives back the field as written.
    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static byte[] Encode(AuditRecord record)
    {
        if (record.PayloadSize is < 0)
        {
            throw new ArgumentException("The payload size cannot be negative.", nameof(record));
        }

        var kind = record.Kind.ToString();
        if (!Enum.IsDefined(record.Kind))
        {
            throw new ArgumentException($"Unknown audit event kind {kind}.", nameof(record));
        }

        var length = 1 + 8 + Size(kind) + Size(record.Principal) + Size(record.ClientId) + Size(record.RemoteAddress) + Size(record.Topic) +
            8 + 1 + (record.PayloadSha256 is null ? 0 : AuditPayloadHash.Length) + Size(record.Detail);
        var bytes = new byte[length];
        var span = bytes.AsSpan();
        span[0] = FormatVersion;
        span = span[1..];
        BinaryPrimitives.WriteInt64BigEndian(span, record.Time.ToUnixTimeMilliseconds());
        span = span[8..];
        WriteString(ref span, kind);
        WriteString(ref span, record.Principal);
        WriteString(ref span, record.ClientId);
        WriteString(ref span, record.RemoteAddress);
        WriteString(ref span, record.Topic);
        BinaryPrimitives.WriteInt64BigEndian(span, record.PayloadSize ?? -1);
        span = span[8..];
        if (record.PayloadSha256 is { } hash)
        {
            span[0] = AuditPayloadHash.Length;
            hash.Bytes.CopyTo(span[1..]);
            span = span[(1 + AuditPayloadHash.Length)..];
        }
        else
        {
            span[0] = 0;
            span = span[1..];
        }

        WriteString(ref span, record.Detail);
        return span.IsEmpty ? bytes : throw new InvalidOperationException("Audit record length miscomputed.");
    }

    /// <exception cref="FormatException">The bytes are not a canonical record.</exception>
    public static AuditRecord Decode(ReadOnlySpan<byte> bytes)
    {
        if (bytes.IsEmpty || bytes[0] != FormatVersion)
        {
            throw new FormatException(bytes.IsEmpty ? "empty record" : $"unknown format version {bytes[0]}");
        }

        bytes = bytes[1..];
        var time = ReadInt64(ref bytes);
        var kindName = ReadString(ref bytes) ?? throw new FormatException("the kind is absent");
        if (!Enum.TryParse<AuditEventKind>(kindName, ignoreCase: false, out var kind) || !Enum.IsDefined(kind) || kind.ToString() != kindName)
        {
            throw new FormatException($"unknown kind '{kindName}'");
        }

        var principal = ReadString(ref bytes);
        var clientId = ReadString(ref bytes);
        var remote = ReadString(ref bytes);
        var topic = ReadString(ref bytes);
        var size = ReadInt64(ref bytes);
        if (size < -1)
        {
            throw new FormatException($"payload size {size}");
        }

        if (bytes.IsEmpty)
        {
            throw new FormatException("truncated before the payload hash");
        }

        AuditPayloadHash? hash = null;
        var hashLength = bytes[0];
        bytes = bytes[1..];
        if (hashLength == AuditPayloadHash.Length && bytes.Length >= hashLength)
        {
            hash = new AuditPayloadHash(bytes[..hashLength]);
            bytes = bytes[hashLength..];
        }
        else if (hashLength != 0)
        {
            throw new FormatException($"payload hash length {hashLength}");
        }

        var detail = ReadString(ref bytes);
        if (!bytes.IsEmpty)
        {
            throw new FormatException($"{bytes.Length} bytes after the last field");
        }

        if (time < DateTimeOffset.MinValue.ToUnixTimeMilliseconds() || time > DateTimeOffset.MaxValue.ToUnixTimeMilliseconds())
        {
            throw new FormatException($"time {time} out of range");
        }

        return new AuditRecord(DateTimeOffset.FromUnixTimeMilliseconds(time), kind, principal, clientId, remote, topic, size == -1 ? null : size, hash, detail);
    }

    private static int Size(string? value) => 4 + (value is null ? 0 : Utf8.GetByteCount(value));

    private static void WriteString(ref Span<byte> span, string? value)
    {
        if (value is null)
        {
            BinaryPrimitives.WriteUInt32BigEndian(span, Absent);
            span = span[4..];
            return;
        }

        var written = Utf8.GetBytes(value, span[4..]);
        BinaryPrimitives.WriteUInt32BigEndian(span, (uint)written);
        span = span[(4 + written)..];
    }

    private static long ReadInt64(ref ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length < 8)
        {
            throw new FormatException("truncated integer");
        }

        var value = BinaryPrimitives.ReadInt64BigEndian(bytes);
        bytes = bytes[8..];
        return value;
    }

    private static string? ReadString(ref ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length < 4)
        {
            throw new FormatException("truncated string length");
        }

        var length = BinaryPrimitives.ReadUInt32BigEndian(bytes);
        bytes = bytes[4..];
        if (length == Absent)
        {
            return null;
        }

        if (length > (uint)bytes.Length)
        {
            throw new FormatException($"string of {length} bytes, {bytes.Length} left");
        }

        string value;
        try
        {
            value = Utf8.GetString(bytes[..(int)length]);
        }
        catch (DecoderFallbackException ex)
        {
            throw new FormatException("a string is not valid UTF-8", ex);
        }

        bytes = bytes[(int)length..];
        return value;
    }
}
