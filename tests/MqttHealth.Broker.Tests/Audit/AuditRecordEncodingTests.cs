using System.Security.Cryptography;
using MqttHealth.Broker.Audit;

namespace MqttHealth.Broker.Tests.Audit;

public sealed class AuditRecordEncodingTests
{
    [Fact]
    public void Encode_KnownRecord_IsTheDocumentedBytes()
    {
        var record = new AuditRecord(DateTimeOffset.FromUnixTimeMilliseconds(0x0102030405), AuditEventKind.Connect, Principal: "é", ClientId: "");

        var bytes = AuditRecordEncoding.Encode(record);

        Assert.Equal(
            "01" + "0000000102030405" + "00000007" + "436f6e6e656374" + "00000002" + "c3a9" + "00000000" + "ffffffff" + "ffffffff" +
            "ffffffffffffffff" + "00" + "ffffffff",
            Convert.ToHexStringLower(bytes));
    }

    [Fact]
    public void Decode_Encoded_GivesBackEveryFieldWithMillisecondTime()
    {
        var record = new AuditRecord(
            new DateTimeOffset(2026, 3, 4, 5, 6, 7, 891, TimeSpan.FromHours(2)).AddTicks(1234),
            AuditEventKind.BreakGlassUsed, "dr-who", "tablet-9", "10.1.2.3:4567", "ward/+/alarm", 4096, AuditPayload.Sha256([1, 2, 3]), "emergency override");

        var decoded = AuditRecordEncoding.Decode(AuditRecordEncoding.Encode(record));

        Assert.Equal(record with { Time = DateTimeOffset.FromUnixTimeMilliseconds(record.Time.ToUnixTimeMilliseconds()) }, decoded);
        Assert.Equal(TimeSpan.Zero, decoded.Time.Offset);
    }

    [Theory]
    [InlineData("02")]
    [InlineData("01000000000000000000000007436f6e6e656374")]
    [InlineData("0100000000000000000000000755736572426f62ffffffffffffffffffffffffffffffffffffffffffffffffff00ffffffff")]
    public void Decode_NotCanonical_Throws(string hex)
    {
        Assert.Throws<FormatException>(() => AuditRecordEncoding.Decode(Convert.FromHexString(hex)));
    }

    [Fact]
    public void Decode_TrailingByte_Throws()
    {
        var bytes = AuditRecordEncoding.Encode(new AuditRecord(DateTimeOffset.UnixEpoch, AuditEventKind.Disconnect));

        Assert.Throws<FormatException>(() => AuditRecordEncoding.Decode([.. bytes, 0]));
    }

    [Fact]
    public void Encode_UnpairedSurrogate_Refused()
    {
        Assert.ThrowsAny<ArgumentException>(() => AuditRecordEncoding.Encode(new AuditRecord(DateTimeOffset.UnixEpoch, AuditEventKind.AdminAction, Detail: "\ud800")));
    }

    [Fact]
    public void Sha256_OfPayload_MatchesSha256()
    {
        byte[] payload = [0xde, 0xad, 0xbe, 0xef];

        Assert.Equal(SHA256.HashData(payload), AuditPayload.Sha256(payload).Bytes.ToArray());
    }
}
