using System.Security.Cryptography;
using MqttHealth.Payloads.Envelope;

namespace MqttHealth.Payloads.Tests.Envelope;

public class EnvelopeTamperTests
{
    public static TheoryData<EnvelopeSuite, bool> Suites() => new()
    {
        { EnvelopeSuite.Aes256Gcm, false },
        { EnvelopeSuite.Aes256Gcm, true },
        { EnvelopeSuite.ChaCha20Poly1305, false },
        { EnvelopeSuite.ChaCha20Poly1305, true },
    };

    [Theory]
    [MemberData(nameof(Suites))]
    public void Open_AnySingleBitFlipInHeaderCiphertextOrTag_IsRejected(EnvelopeSuite suite, bool compressed)
    {
        var fixture = new EnvelopeFixture(new EnvelopeOptions { Suite = suite }, compressed ? new RunLengthCompression(1) : null);
        // Sequence 200 makes the sequence varint two bytes long, so flips reach a multi-byte varint.
        for (var i = 0; i < 200; i++)
        {
            fixture.Sealer.Seal("skip"u8, EnvelopeFixture.Topic);
        }

        var envelope = fixture.Sealer.Seal("aaaaaaaaaaaaaaaaaaaaaaaaaaa"u8, EnvelopeFixture.Topic);
        Assert.True(EnvelopeHeader.TryRead(envelope, out var header, out _, out _));
        Assert.Equal(compressed, header.Compressed);

        for (var bit = 0; bit < envelope.Length * 8; bit++)
        {
            var tampered = (byte[])envelope.Clone();
            tampered[bit / 8] ^= (byte)(1 << (bit % 8));

            var error = fixture.TryOpen(tampered);

            Assert.True(error != EnvelopeError.None, $"bit {bit} of {envelope.Length * 8} flipped and the envelope still opened");
        }

        // None of the rejections changed the receiver's state: the genuine envelope still opens, once.
        Assert.Equal(EnvelopeError.None, fixture.TryOpen(envelope));
        Assert.Equal(EnvelopeError.Duplicate, fixture.TryOpen(envelope));
    }

    [Fact]
    public void Open_SignedEnvelopeAnySingleBitFlipIncludingTheSignature_IsRejected()
    {
        using var identity = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var fixture = new EnvelopeFixture(signingKey: identity);
        var envelope = fixture.Sealer.Seal("ALARM"u8, EnvelopeFixture.AlarmTopic, sign: true);

        for (var bit = 0; bit < envelope.Length * 8; bit++)
        {
            var tampered = (byte[])envelope.Clone();
            tampered[bit / 8] ^= (byte)(1 << (bit % 8));

            var error = fixture.TryOpen(tampered, EnvelopeFixture.AlarmTopic, publicKey: identity, requireSignature: true);

            Assert.True(error != EnvelopeError.None, $"bit {bit} flipped and the signed envelope still opened");
        }

        Assert.Equal(EnvelopeError.None, fixture.TryOpen(envelope, EnvelopeFixture.AlarmTopic, publicKey: identity, requireSignature: true));
    }

    [Fact]
    public void Open_MovedToAnotherTopic_IsRejected()
    {
        var fixture = new EnvelopeFixture();
        var envelope = fixture.Sealer.Seal("hr=72"u8, EnvelopeFixture.Topic);

        Assert.Equal(EnvelopeError.AuthenticationFailed, fixture.TryOpen(envelope, "mh/v1/fac01/icu3/dev0043/vitals"));
        Assert.Equal(EnvelopeError.AuthenticationFailed, fixture.TryOpen(envelope, EnvelopeFixture.Topic + "/"));
        Assert.Equal(EnvelopeError.None, fixture.TryOpen(envelope));
    }

    [Fact]
    public void Open_ClaimedByAnotherSenderWithTheSameSecret_IsRejected()
    {
        // Even a second sender id registered with the very same secret cannot claim the message: the sender id is in
        // the key derivation and in the associated data.
        var fixture = new EnvelopeFixture();
        fixture.Store.AddEpoch("dev-0043", EnvelopeFixture.Epoch, fixture.Secret);
        var envelope = fixture.Sealer.Seal("hr=72"u8, EnvelopeFixture.Topic);

        Assert.Equal(EnvelopeError.AuthenticationFailed, fixture.TryOpen(envelope, sender: "dev-0043"));
        Assert.Equal(EnvelopeError.UnknownSender, fixture.TryOpen(envelope, sender: "dev-9999"));
        Assert.Equal(EnvelopeError.None, fixture.TryOpen(envelope));
    }

    [Fact]
    public void Open_TopicAndSenderBoundaryShifted_IsRejected()
    {
        // Without length prefixes, topic "a/b" + sender "cd" and topic "a/bc" + sender "d" would give the same bytes.
        var secret = RandomNumberGenerator.GetBytes(32);
        var store = new MqttHealth.Payloads.SenderKeys.SenderKeyStore();
        store.AddEpoch("cd", 1, secret);
        store.AddEpoch("d", 1, secret);
        var sealer = new EnvelopeSealer(MqttHealth.Payloads.SenderKeys.SenderKeyState.Create("cd", 1, secret));
        var envelope = sealer.Seal("x"u8, "a/b");
        var opener = new EnvelopeOpener(store);

        Assert.Equal(EnvelopeError.AuthenticationFailed, opener.TryOpen(envelope, "a/bc", "d", new byte[64], out _));
        Assert.Equal(EnvelopeError.None, opener.TryOpen(envelope, "a/b", "cd", new byte[64], out _));
    }

    [Fact]
    public void Open_WrongEpochSecret_CannotOpen()
    {
        var fixture = new EnvelopeFixture();
        var envelope = fixture.Sealer.Seal("hr=72"u8, EnvelopeFixture.Topic);
        var other = new EnvelopeFixture();

        Assert.Equal(EnvelopeError.AuthenticationFailed, other.TryOpen(envelope));
    }

    [Fact]
    public void Open_UnknownEpochOfAKnownSender_IsRejectedAsUnknownEpoch()
    {
        var fixture = new EnvelopeFixture();
        var sealer = new EnvelopeSealer(MqttHealth.Payloads.SenderKeys.SenderKeyState.Create(EnvelopeFixture.Sender, EnvelopeFixture.Epoch + 1, fixture.Secret));
        var envelope = sealer.Seal("hr=72"u8, EnvelopeFixture.Topic);

        Assert.Equal(EnvelopeError.UnknownEpoch, fixture.TryOpen(envelope));
    }

    [Fact]
    public void Open_TruncatedOrEmpty_IsRejectedAsMalformed()
    {
        var fixture = new EnvelopeFixture(new EnvelopeOptions { Padding = null });
        var envelope = fixture.Sealer.Seal(""u8, EnvelopeFixture.Topic);

        Assert.Equal(EnvelopeError.Malformed, fixture.TryOpen([]));
        Assert.Equal(EnvelopeError.Malformed, fixture.TryOpen(envelope[..^1]));
        Assert.Equal(EnvelopeError.Malformed, fixture.TryOpen(envelope[..2]));
        Assert.Equal(EnvelopeError.None, fixture.TryOpen(envelope));
    }

    [Fact]
    public void Open_ReservedVersionOrSuite_IsRejectedByName()
    {
        var fixture = new EnvelopeFixture();
        var envelope = fixture.Sealer.Seal("x"u8, EnvelopeFixture.Topic);

        var version2 = (byte[])envelope.Clone();
        version2[0] = (byte)((version2[0] & 0x3F) | 0x80);
        var suite2 = (byte[])envelope.Clone();
        suite2[0] = (byte)((suite2[0] & 0xCF) | 0x20);

        Assert.Equal(EnvelopeError.UnsupportedVersion, fixture.TryOpen(version2));
        Assert.Equal(EnvelopeError.UnsupportedSuite, fixture.TryOpen(suite2));
    }

    [Fact]
    public void Open_ThrowingApi_ThrowsEnvelopeExceptionNamingTheReason()
    {
        var fixture = new EnvelopeFixture();
        var envelope = fixture.Sealer.Seal("x"u8, EnvelopeFixture.Topic);

        var e = Assert.Throws<EnvelopeException>(() => fixture.Opener.Open(envelope, "mh/v1/other", EnvelopeFixture.Sender));

        Assert.Equal(EnvelopeError.AuthenticationFailed, e.Error);
        Assert.Contains("authenticate", e.Message, StringComparison.Ordinal);
    }
}
