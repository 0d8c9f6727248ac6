using MqttHealth.Payloads.Envelope;

namespace MqttHealth.Payloads.Tests.Envelope;

public class EnvelopeHeaderTests
{
    public static TheoryData<uint, byte> OverheadCases()
    {
        var data = new TheoryData<uint, byte>();
        foreach (var sequence in new uint[] { 0, 1, 127, 128, 5000, (1 << 14) - 1 })
        {
            foreach (var dictionary in new byte[] { 0, 1, 2 })
            {
                data.Add(sequence, dictionary);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(OverheadCases))]
    public void Overhead_SequenceBelow2To14AndEpochBelow128_IsAtMost20Bytes(uint sequence, byte dictionaryId)
    {
        foreach (var epoch in new uint[] { 0, 127 })
        {
            var header = new EnvelopeHeader(EnvelopeSuite.Aes256Gcm, epoch, sequence, dictionaryId, Padded: true, Signed: false);

            Assert.True(header.Length + EnvelopeConstants.TagLength <= 20, $"epoch {epoch} sequence {sequence} dictionary {dictionaryId}: {header.Length + 16}");
        }
    }

    [Fact]
    public void Overhead_OfARealSealedMessageAtSequence16383_Is20Bytes()
    {
        var fixture = new EnvelopeFixture(new EnvelopeOptions { Padding = null }, new RunLengthCompression(1));
        var plaintext = new byte[100];
        var skipped = new byte[44];
        for (var i = 0; i < (1 << 14) - 1; i++)
        {
            fixture.Sealer.State.Advance(skipped);
        }

        var envelope = fixture.Sealer.Seal(plaintext, EnvelopeFixture.Topic);
        var compressedLength = new RunLengthCompression(1).Compress(plaintext, new byte[100]);

        Assert.Equal(20, envelope.Length - compressedLength);
    }

    [Fact]
    public void Header_DictionaryThreeOrAbove_CarriesAnIdByte()
    {
        var header = new EnvelopeHeader(EnvelopeSuite.ChaCha20Poly1305, 300, 70000, 7, Padded: false, Signed: true);
        var bytes = new byte[EnvelopeHeader.MaxLength];

        var written = header.Write(bytes);

        Assert.Equal(new byte[] { 0x5D, 0xAC, 0x02, 0xF0, 0xA2, 0x04, 0x07 }, bytes[..written]);
        Assert.True(EnvelopeHeader.TryRead(bytes.AsSpan(0, written), out var read, out var length, out _));
        Assert.Equal(header, read);
        Assert.Equal(written, length);
    }

    [Theory]
    [InlineData(new byte[] { 0x4C, 0x01, 0x00, 0x01 })] // dictionary byte 1: has its own encoding (bits 01)
    [InlineData(new byte[] { 0x40, 0x81, 0x00 })] // epoch varint 0x81 0x00: not minimal
    [InlineData(new byte[] { 0x40, 0x01, 0xFF, 0xFF, 0xFF, 0xFF, 0x1F })] // sequence above 2^32-1
    [InlineData(new byte[] { 0x40, 0x01, 0x80 })] // truncated varint
    public void TryRead_NonCanonicalOrTruncated_IsMalformed(byte[] bytes)
    {
        Assert.False(EnvelopeHeader.TryRead(bytes, out _, out _, out var error));
        Assert.Equal(EnvelopeError.Malformed, error);
    }

    [Fact]
    public void PaddedLength_DefaultBuckets_SmallestBucketAboveTheBodyThenMultiplesOfTheLargest()
    {
        Assert.Equal(12, PaddingBuckets.Default.PaddedLength(0));
        Assert.Equal(12, PaddingBuckets.Default.PaddedLength(11));
        Assert.Equal(16, PaddingBuckets.Default.PaddedLength(12));
        Assert.Equal(28, PaddingBuckets.Default.PaddedLength(27));
        Assert.Equal(1024, PaddingBuckets.Default.PaddedLength(1023));
        Assert.Equal(2048, PaddingBuckets.Default.PaddedLength(1024));
    }

    [Fact]
    public void PaddingBuckets_NotAscendingOrEmpty_Refused()
    {
        Assert.Throws<ArgumentException>(() => new PaddingBuckets([]));
        Assert.Throws<ArgumentException>(() => new PaddingBuckets([32, 16]));
        Assert.Throws<ArgumentOutOfRangeException>(() => new PaddingBuckets([0, 16]));
    }

    [Fact]
    public void PaddingRemove_BodyEndingInZerosOr0x80_IsUnambiguous()
    {
        byte[] body = [1, 0, 0x80, 0, 0];
        var padded = new byte[12];
        body.CopyTo(padded, 0);
        Padding.Apply(padded, body.Length, padded.Length);

        Assert.Equal(body.Length, Padding.Remove(padded));
        Assert.Equal(-1, Padding.Remove(new byte[8]));
        Assert.Equal(-1, Padding.Remove([1, 2, 0x81, 0]));
    }
}
