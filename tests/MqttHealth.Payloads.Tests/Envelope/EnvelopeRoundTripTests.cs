using System.Text;
using MqttHealth.Payloads.Envelope;

namespace MqttHealth.Payloads.Tests.Envelope;

public class EnvelopeRoundTripTests
{
    public static TheoryData<EnvelopeSuite, bool, bool> Combinations()
    {
        var data = new TheoryData<EnvelopeSuite, bool, bool>();
        foreach (var suite in new[] { EnvelopeSuite.Aes256Gcm, EnvelopeSuite.ChaCha20Poly1305 })
        {
            foreach (var compressed in new[] { false, true })
            {
                foreach (var padded in new[] { false, true })
                {
                    data.Add(suite, compressed, padded);
                }
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Combinations))]
    public void SealThenOpen_AnySuiteCompressionAndPadding_ReturnsThePlaintext(EnvelopeSuite suite, bool compressed, bool padded)
    {
        var options = new EnvelopeOptions { Suite = suite, Padding = padded ? PaddingBuckets.Default : null };
        var fixture = new EnvelopeFixture(options, compressed ? new RunLengthCompression(1) : null);
        foreach (var text in new[] { "", "x", "hr=72;spo2=98;rr=14", new string('a', 40) + "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb", new string('z', 3000) })
        {
            var plaintext = Encoding.UTF8.GetBytes(text);
            var envelope = fixture.Sealer.Seal(plaintext, EnvelopeFixture.Topic);

            var opened = fixture.Opener.Open(envelope, EnvelopeFixture.Topic, EnvelopeFixture.Sender);

            Assert.Equal(plaintext, opened);
            Assert.True(EnvelopeHeader.TryRead(envelope, out var header, out _, out _));
            Assert.Equal(suite, header.Suite);
            Assert.Equal(padded, header.Padded);
            // Compression is used only where it makes the body smaller.
            Assert.Equal(compressed && text.Length > 40, header.Compressed);
        }
    }

    [Fact]
    public void Seal_WithPadding_CiphertextLengthIsABucket()
    {
        var fixture = new EnvelopeFixture();
        for (var length = 0; length < 1500; length += 7)
        {
            var envelope = fixture.Sealer.Seal(new byte[length], EnvelopeFixture.Topic);
            Assert.True(EnvelopeHeader.TryRead(envelope, out _, out var headerLength, out _));

            var body = envelope.Length - headerLength - EnvelopeConstants.TagLength;

            Assert.Equal(PaddingBuckets.Default.PaddedLength(length), body);
            Assert.True(PaddingBuckets.Default.Sizes.Contains(body) || body % 1024 == 0, $"body {body} for {length}");
        }
    }

    [Fact]
    public void Seal_CompressionDoesNotShrink_SealsUncompressedWithDictionaryZero()
    {
        var fixture = new EnvelopeFixture(compression: new RunLengthCompression(1));

        var envelope = fixture.Sealer.Seal("abcdef"u8, EnvelopeFixture.Topic);

        Assert.True(EnvelopeHeader.TryRead(envelope, out var header, out _, out _));
        Assert.Equal(0, header.DictionaryId);
        Assert.Equal("abcdef"u8.ToArray(), fixture.Opener.Open(envelope, EnvelopeFixture.Topic, EnvelopeFixture.Sender));
    }

    [Fact]
    public void Open_DictionaryTheOpenerLacks_RejectedAsUnknownDictionary()
    {
        var fixture = new EnvelopeFixture(compression: new RunLengthCompression(9));
        var envelope = fixture.Sealer.Seal(new byte[64], EnvelopeFixture.Topic);
        var opener = new EnvelopeOpener(fixture.Store);

        var error = opener.TryOpen(envelope, EnvelopeFixture.Topic, EnvelopeFixture.Sender, new byte[256], out _);

        Assert.Equal(EnvelopeError.UnknownDictionary, error);
    }

    [Fact]
    public void Seal_DestinationTooSmall_ThrowsAndTheSequenceIsNotUsed()
    {
        var fixture = new EnvelopeFixture();

        var e = Assert.Throws<EnvelopeException>(() => fixture.Sealer.Seal(new byte[10], EnvelopeFixture.Topic, new byte[20]));

        Assert.Equal(EnvelopeError.DestinationTooSmall, e.Error);
        Assert.Equal(0u, fixture.Sealer.State.NextSequence);
    }

    [Fact]
    public void Open_SpanApi_WritesIntoTheCallersBufferAndReportsTheHeader()
    {
        var fixture = new EnvelopeFixture();
        fixture.Sealer.Seal("first"u8, EnvelopeFixture.Topic);
        var envelope = fixture.Sealer.Seal("second"u8, EnvelopeFixture.Topic);
        var destination = new byte[envelope.Length];

        var opened = fixture.Opener.Open(envelope, EnvelopeFixture.Topic, EnvelopeFixture.Sender, destination);

        Assert.Equal("second"u8.ToArray(), destination[..opened.Length]);
        Assert.Equal(1u, opened.Header.Sequence);
        Assert.Equal(EnvelopeFixture.Epoch, opened.Header.Epoch);
    }

    [Fact]
    public void Open_AuthenticBodyThatDoesNotDecompress_RejectedAsInvalidCompressedBodyAndNotMarkedOpened()
    {
        var secret = System.Security.Cryptography.RandomNumberGenerator.GetBytes(32);
        var store = new MqttHealth.Payloads.SenderKeys.SenderKeyStore();
        store.AddEpoch(EnvelopeFixture.Sender, 1, secret);
        var sealer = new EnvelopeSealer(MqttHealth.Payloads.SenderKeys.SenderKeyState.Create(EnvelopeFixture.Sender, 1, secret), compression: new OddLengthCompression());
        var envelope = sealer.Seal(new byte[50], EnvelopeFixture.Topic);
        var opener = new EnvelopeOpener(store, [new RunLengthCompression(1)]);

        var error = opener.TryOpen(envelope, EnvelopeFixture.Topic, EnvelopeFixture.Sender, new byte[256], out _);

        Assert.Equal(EnvelopeError.InvalidCompressedBody, error);
        Assert.Equal(0ul, store.NextSequence(EnvelopeFixture.Sender, 1));
    }

    /// <summary>A sender-side codec that disagrees with the recipient's: its output is not a run-length body.</summary>
    private sealed class OddLengthCompression : IEnvelopeCompression
    {
        public byte DictionaryId => 1;

        public int Compress(ReadOnlySpan<byte> source, Span<byte> destination)
        {
            destination[..3].Fill(7);
            return 3;
        }

        public int Decompress(ReadOnlySpan<byte> source, Span<byte> destination) => throw new InvalidDataException("not used");
    }
}
