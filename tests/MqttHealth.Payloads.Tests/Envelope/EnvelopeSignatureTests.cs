using System.Security.Cryptography;
using MqttHealth.Payloads.Envelope;

namespace MqttHealth.Payloads.Tests.Envelope;

public class EnvelopeSignatureTests
{
    [Fact]
    public void Open_SignedWithTheSendersKey_OpensAndReportsSigned()
    {
        using var identity = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var fixture = new EnvelopeFixture(signingKey: identity);
        var envelope = fixture.Sealer.Seal("ALARM spo2<85"u8, EnvelopeFixture.AlarmTopic, sign: true);
        using var publicOnly = ECDsa.Create(identity.ExportParameters(false));

        var destination = new byte[256];
        var opened = fixture.Opener.Open(envelope, EnvelopeFixture.AlarmTopic, EnvelopeFixture.Sender, destination, publicOnly, requireSignature: true);

        Assert.True(opened.Header.Signed);
        Assert.Equal("ALARM spo2<85"u8.ToArray(), destination[..opened.Length]);
    }

    [Fact]
    public void Seal_Signed_AppendsA64ByteSignatureAfterTheTag()
    {
        using var identity = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var fixture = new EnvelopeFixture(new EnvelopeOptions { Padding = null }, signingKey: identity);

        var envelope = fixture.Sealer.Seal("ALARM"u8, EnvelopeFixture.AlarmTopic, sign: true);

        Assert.Equal(1 + 1 + 1 + 5 + 16 + 64, envelope.Length);
    }

    [Fact]
    public void Open_SignatureFlipped_RejectedAsSignatureInvalidAndSequenceStillOpenable()
    {
        using var identity = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var fixture = new EnvelopeFixture(signingKey: identity);
        var envelope = fixture.Sealer.Seal("ALARM"u8, EnvelopeFixture.AlarmTopic, sign: true);
        var tampered = (byte[])envelope.Clone();
        tampered[^10] ^= 0x01;

        Assert.Equal(EnvelopeError.SignatureInvalid, fixture.TryOpen(tampered, EnvelopeFixture.AlarmTopic, publicKey: identity, requireSignature: true));
        Assert.Equal(EnvelopeError.None, fixture.TryOpen(envelope, EnvelopeFixture.AlarmTopic, publicKey: identity, requireSignature: true));
    }

    [Fact]
    public void Open_VerifiedAgainstAnotherKey_RejectedAsSignatureInvalid()
    {
        using var identity = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var other = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var fixture = new EnvelopeFixture(signingKey: identity);
        var envelope = fixture.Sealer.Seal("ALARM"u8, EnvelopeFixture.AlarmTopic, sign: true);

        Assert.Equal(EnvelopeError.SignatureInvalid, fixture.TryOpen(envelope, EnvelopeFixture.AlarmTopic, publicKey: other, requireSignature: true));
    }

    [Fact]
    public void Open_UnsignedWhereASignatureIsRequired_RejectedAsSignatureMissing()
    {
        using var identity = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var fixture = new EnvelopeFixture(signingKey: identity);
        var envelope = fixture.Sealer.Seal("ALARM"u8, EnvelopeFixture.AlarmTopic);

        Assert.Equal(EnvelopeError.SignatureMissing, fixture.TryOpen(envelope, EnvelopeFixture.AlarmTopic, publicKey: identity, requireSignature: true));
        Assert.Equal(EnvelopeError.None, fixture.TryOpen(envelope, EnvelopeFixture.AlarmTopic, publicKey: identity));
    }

    [Fact]
    public void Open_SignedButNoPublicKeyGiven_RejectedAsSignatureKeyMissing()
    {
        using var identity = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var fixture = new EnvelopeFixture(signingKey: identity);
        var envelope = fixture.Sealer.Seal("ALARM"u8, EnvelopeFixture.AlarmTopic, sign: true);

        Assert.Equal(EnvelopeError.SignatureKeyMissing, fixture.TryOpen(envelope, EnvelopeFixture.AlarmTopic));
    }

    [Fact]
    public void Open_SignatureStrippedAndFlagCleared_IsRejected()
    {
        using var identity = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var fixture = new EnvelopeFixture(signingKey: identity);
        var envelope = fixture.Sealer.Seal("ALARM"u8, EnvelopeFixture.AlarmTopic, sign: true);
        var stripped = envelope[..^64];
        stripped[0] &= 0xFE;

        Assert.Equal(EnvelopeError.AuthenticationFailed, fixture.TryOpen(stripped, EnvelopeFixture.AlarmTopic, publicKey: identity));
    }

    [Fact]
    public void Seal_SignWithoutASigningKey_Throws()
    {
        var fixture = new EnvelopeFixture();

        Assert.Throws<InvalidOperationException>(() => fixture.Sealer.Seal("ALARM"u8, EnvelopeFixture.AlarmTopic, sign: true));
    }

    [Fact]
    public void Sealer_SigningKeyNotP256_Refused()
    {
        using var p384 = ECDsa.Create(ECCurve.NamedCurves.nistP384);

        Assert.Throws<ArgumentException>(() => new EnvelopeFixture(signingKey: p384));
    }
}
