using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using MqttHealth.Payloads.Keys;
using static MqttHealth.Payloads.Tests.Keys.KeyTestSupport;

namespace MqttHealth.Payloads.Tests.Keys;

public sealed class FacilityCaTests
{
    private readonly ManualTime _time = new(Start);

    [Fact]
    public void Create_CaCertificate_IsCaWithCertSignAndCrlSignOnly()
    {
        using FacilityCa ca = NewCa(_time);

        X509BasicConstraintsExtension constraints = Assert.Single(ca.Certificate.Extensions.OfType<X509BasicConstraintsExtension>());
        Assert.True(constraints.CertificateAuthority);
        Assert.True(constraints.Critical);
        X509KeyUsageExtension usage = Assert.Single(ca.Certificate.Extensions.OfType<X509KeyUsageExtension>());
        Assert.Equal(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, usage.KeyUsages);
        Assert.Equal(ca.Certificate.Subject, ca.Certificate.Issuer);
        Assert.Equal(256, ca.Certificate.GetECDsaPublicKey()!.KeySize);
    }

    [Fact]
    public void Issue_Device_ChainsToCaWithClientAuthAndUrnSan()
    {
        using FacilityCa ca = NewCa(_time);
        using IssuedIdentity device = ca.Issue(KeyRole.Device, "mon-42", "icu-2", TimeSpan.FromDays(365), _time);
        X509Certificate2 certificate = device.Certificate;

        new FacilityTrust(ca.Certificate).Validate(certificate, _time.GetUtcNow(), "device");
        Assert.Equal(["urn:mqtthealth:device:mon-42"], CertificateFacts.SubjectAlternativeUris(certificate));
        X509EnhancedKeyUsageExtension eku = Assert.Single(certificate.Extensions.OfType<X509EnhancedKeyUsageExtension>());
        Assert.Equal(["1.3.6.1.5.5.7.3.2"], eku.EnhancedKeyUsages.Cast<Oid>().Select(o => o.Value));
        X509KeyUsageExtension usage = Assert.Single(certificate.Extensions.OfType<X509KeyUsageExtension>());
        Assert.Equal(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyAgreement, usage.KeyUsages);
        Assert.False(Assert.Single(certificate.Extensions.OfType<X509BasicConstraintsExtension>()).CertificateAuthority);
        CertificateFacts facts = CertificateFacts.Read(certificate);
        Assert.Equal(new CertificateFacts("mon-42", KeyRole.Device, "f1", "icu-2", KeyIds.Of(certificate)), facts);
    }

    [Fact]
    public void Issue_Subject_IsEncodedOThenOuThenCnAsTheBrokerReadsIt()
    {
        using FacilityCa ca = NewCa(_time);
        using IssuedIdentity device = ca.Issue(KeyRole.Device, "mon-42", "icu-2", TimeSpan.FromDays(365), _time);

        // The broker takes the first attribute of a type in encoded order (most significant first): O, OU, CN.
        string[] encodedOrder = [.. device.Certificate.SubjectName.EnumerateRelativeDistinguishedNames(reversed: false)
            .Select(r => $"{r.GetSingleElementType().FriendlyName}={r.GetSingleElementValue()}")];
        Assert.Equal(["O=f1", "OU=icu-2", "CN=mon-42"], encodedOrder);
    }

    [Fact]
    public void Issue_Broker_HasServerAndClientAuthAndItsNameAsDnsName()
    {
        using FacilityCa ca = NewCa(_time);
        using IssuedIdentity broker = ca.Issue(KeyRole.Broker, "broker.f1.example", null, TimeSpan.FromDays(365), _time);

        X509EnhancedKeyUsageExtension eku = Assert.Single(broker.Certificate.Extensions.OfType<X509EnhancedKeyUsageExtension>());
        Assert.Equal(["1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2"], eku.EnhancedKeyUsages.Cast<Oid>().Select(o => o.Value).Order());
        X509SubjectAlternativeNameExtension san = Assert.Single(broker.Certificate.Extensions.OfType<X509SubjectAlternativeNameExtension>());
        Assert.Equal(["broker.f1.example"], san.EnumerateDnsNames());
        Assert.True(broker.Certificate.MatchesHostname("broker.f1.example"));
        Assert.Null(CertificateFacts.Read(broker.Certificate).Unit);
    }

    [Theory]
    [InlineData("mon/42")]
    [InlineData("mon+42")]
    [InlineData("")]
    [InlineData("-lead")]
    public void Issue_NameUnsafeForTopicOrUrn_Refused(string name)
    {
        using FacilityCa ca = NewCa(_time);

        Assert.Throws<ArgumentException>(() => ca.Issue(KeyRole.Device, name, "icu-2", TimeSpan.FromDays(1), _time));
    }

    [Fact]
    public void EncryptedKey_RoundTrip_LoadsTheSameIdentity()
    {
        using FacilityCa ca = NewCa(_time);
        using IssuedIdentity issued = ca.Issue(KeyRole.Consumer, "central-1", null, TimeSpan.FromDays(365), _time);
        string keyPem = issued.ExportEncryptedKeyPem("correct horse", FastIterations);

        Assert.StartsWith("-----BEGIN ENCRYPTED PRIVATE KEY-----", keyPem, StringComparison.Ordinal);
        using KeyIdentity loaded = KeyIdentity.FromPem(issued.ExportCertificatePem(), "cert", keyPem, "key", "correct horse", new FacilityTrust(ca.Certificate), _time);
        Assert.Equal("central-1", loaded.Name);
        Assert.Equal(KeyRole.Consumer, loaded.Role);
        Assert.Equal(KeyIds.Of(issued.Certificate), loaded.KeyId);
    }

    [Fact]
    public void EncryptedKey_DefaultProtection_IsPbes2Pbkdf2Sha256Aes256CbcWith600000Iterations()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        string pem = KeyProtection.ExportEncryptedPem(key, "pass");

        PemFields fields = PemEncoding.Find(pem);
        var reader = new AsnReader(Convert.FromBase64String(pem[fields.Base64Data]), AsnEncodingRules.DER).ReadSequence();
        AsnReader algorithm = reader.ReadSequence();
        Assert.Equal("1.2.840.113549.1.5.13", algorithm.ReadObjectIdentifier()); // PBES2
        AsnReader pbes2 = algorithm.ReadSequence();
        AsnReader kdf = pbes2.ReadSequence();
        Assert.Equal("1.2.840.113549.1.5.12", kdf.ReadObjectIdentifier()); // PBKDF2
        AsnReader kdfParameters = kdf.ReadSequence();
        kdfParameters.ReadOctetString();
        Assert.Equal(600_000, (int)kdfParameters.ReadInteger());
        if (kdfParameters.HasData && kdfParameters.PeekTag().HasSameClassAndValue(Asn1Tag.Integer))
        {
            kdfParameters.ReadInteger();
        }

        Assert.Equal("1.2.840.113549.2.9", kdfParameters.ReadSequence().ReadObjectIdentifier()); // hmacWithSHA256
        Assert.Equal("2.16.840.1.101.3.4.1.42", pbes2.ReadSequence().ReadObjectIdentifier()); // aes256-CBC
    }

    [Fact]
    public void Load_WrongPassphrase_RefusedAsWrongPassphrase()
    {
        using FacilityCa ca = NewCa(_time);
        using IssuedIdentity issued = ca.Issue(KeyRole.Device, "mon-42", "icu-2", TimeSpan.FromDays(365), _time);
        string keyPem = issued.ExportEncryptedKeyPem("right", FastIterations);

        KeyException ex = Assert.Throws<KeyException>(() => KeyIdentity.FromPem(issued.ExportCertificatePem(), "mon-42.crt.pem", keyPem, "mon-42.key.pem", "wrong", new FacilityTrust(ca.Certificate), _time));
        Assert.Equal(KeyErrorKind.WrongPassphrase, ex.Kind);
        Assert.Contains("mon-42.key.pem: wrong passphrase", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_KeyOfAnotherIdentity_RefusedAsKeyMismatch()
    {
        using FacilityCa ca = NewCa(_time);
        using IssuedIdentity first = ca.Issue(KeyRole.Device, "mon-42", "icu-2", TimeSpan.FromDays(365), _time);
        using IssuedIdentity second = ca.Issue(KeyRole.Device, "mon-43", "icu-2", TimeSpan.FromDays(365), _time);

        KeyException ex = Assert.Throws<KeyException>(() => KeyIdentity.FromPem(first.ExportCertificatePem(), "c", second.ExportEncryptedKeyPem("p", FastIterations), "k", "p", new FacilityTrust(ca.Certificate), _time));
        Assert.Equal(KeyErrorKind.KeyMismatch, ex.Kind);
    }

    [Fact]
    public void Load_CertificateOfAnotherCa_RefusedAsNotIssuedByCa()
    {
        using FacilityCa ca = NewCa(_time);
        using FacilityCa other = NewCa(_time);
        using IssuedIdentity foreign = other.Issue(KeyRole.Device, "mon-42", "icu-2", TimeSpan.FromDays(365), _time);

        KeyException ex = Assert.Throws<KeyException>(() => KeyIdentity.FromPem(foreign.ExportCertificatePem(), "c", foreign.ExportEncryptedKeyPem("p", FastIterations), "k", "p", new FacilityTrust(ca.Certificate), _time));
        Assert.Equal(KeyErrorKind.NotIssuedByCa, ex.Kind);
    }

    [Fact]
    public void Load_AfterTheCertificateEnds_RefusedAsExpired()
    {
        using FacilityCa ca = NewCa(_time);
        using IssuedIdentity issued = ca.Issue(KeyRole.Device, "mon-42", "icu-2", TimeSpan.FromDays(30), _time);
        _time.Advance(TimeSpan.FromDays(31));

        KeyException ex = Assert.Throws<KeyException>(() => KeyIdentity.FromPem(issued.ExportCertificatePem(), "c", issued.ExportEncryptedKeyPem("p", FastIterations), "k", "p", new FacilityTrust(ca.Certificate), _time));
        Assert.Equal(KeyErrorKind.Expired, ex.Kind);
    }

    [Fact]
    public void Load_UnencryptedKey_RefusedAsMalformed()
    {
        using FacilityCa ca = NewCa(_time);
        using IssuedIdentity issued = ca.Issue(KeyRole.Device, "mon-42", "icu-2", TimeSpan.FromDays(30), _time);
        using var plain = ECDsa.Create(ECCurve.NamedCurves.nistP256);

        KeyException ex = Assert.Throws<KeyException>(() => KeyIdentity.FromPem(issued.ExportCertificatePem(), "c", plain.ExportPkcs8PrivateKeyPem(), "k", "p", new FacilityTrust(ca.Certificate), _time));
        Assert.Equal(KeyErrorKind.Malformed, ex.Kind);
        Assert.Contains("not encrypted", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void CaKey_RoundTrip_LoadedCaIssuesCertificatesTheOriginalTrusts()
    {
        using FacilityCa ca = NewCa(_time);
        using FacilityCa loaded = FacilityCa.Load(ca.ExportCertificatePem(), ca.ExportEncryptedKeyPem("ca-pass", FastIterations), "ca-pass", "ca");
        using IssuedIdentity issued = loaded.Issue(KeyRole.Gateway, "gw-1", "clinic-3", TimeSpan.FromDays(30), _time);

        Assert.Equal("f1", loaded.Facility);
        new FacilityTrust(ca.Certificate).Validate(issued.Certificate, _time.GetUtcNow(), "gateway");
        Assert.Equal(KeyErrorKind.WrongPassphrase, Assert.Throws<KeyException>(() => FacilityCa.Load(ca.ExportCertificatePem(), ca.ExportEncryptedKeyPem("ca-pass", FastIterations), "nope", "ca")).Kind);
    }

    [Fact]
    public void Crl_AfterRevoke_ListsTheSerialAndTrustRefusesTheCertificate()
    {
        using FacilityCa ca = NewCa(_time);
        using IssuedIdentity revoked = ca.Issue(KeyRole.Consumer, "central-1", null, TimeSpan.FromDays(30), _time);
        using IssuedIdentity kept = ca.Issue(KeyRole.Consumer, "central-2", null, TimeSpan.FromDays(30), _time);

        byte[] der = ca.BuildCrl(null, [revoked.Certificate.SerialNumberBytes], TimeSpan.FromDays(7), _time);
        FacilityCrl crl = FacilityCrl.Parse(der, ca.Certificate, "crl");

        Assert.Equal([FacilityCrl.SerialKey(revoked.Certificate)], crl.RevokedSerials);
        Assert.Equal(Start.AddDays(7), crl.NextUpdate);
        var trust = new FacilityTrust(ca.Certificate, crl);
        Assert.Equal(KeyErrorKind.Revoked, Assert.Throws<KeyException>(() => trust.Validate(revoked.Certificate, _time.GetUtcNow(), "consumer")).Kind);
        trust.Validate(kept.Certificate, _time.GetUtcNow(), "consumer");
    }

    [Fact]
    public void Crl_SecondRevocation_KeepsEarlierEntriesAndIncrementsTheNumber()
    {
        using FacilityCa ca = NewCa(_time);
        using IssuedIdentity a = ca.Issue(KeyRole.Consumer, "a", null, TimeSpan.FromDays(30), _time);
        using IssuedIdentity b = ca.Issue(KeyRole.Consumer, "b", null, TimeSpan.FromDays(30), _time);
        FacilityCrl first = FacilityCrl.Parse(ca.BuildCrl(null, [a.Certificate.SerialNumberBytes], TimeSpan.FromDays(7), _time), ca.Certificate, "crl");

        FacilityCrl second = FacilityCrl.Parse(ca.BuildCrl(first, [b.Certificate.SerialNumberBytes, a.Certificate.SerialNumberBytes], TimeSpan.FromDays(7), _time), ca.Certificate, "crl");

        Assert.Equal(first.Number + 1, second.Number);
        Assert.Equal(new[] { FacilityCrl.SerialKey(a.Certificate), FacilityCrl.SerialKey(b.Certificate) }.Order(), second.RevokedSerials.Order());
    }

    [Fact]
    public void Crl_SignedByAnotherCa_Refused()
    {
        using FacilityCa ca = NewCa(_time);
        using FacilityCa other = NewCa(_time);

        byte[] der = other.BuildCrl(null, [], TimeSpan.FromDays(7), _time);

        Assert.Equal(KeyErrorKind.NotIssuedByCa, Assert.Throws<KeyException>(() => FacilityCrl.Parse(der, ca.Certificate, "crl")).Kind);
    }

    [Fact]
    public void AnnouncementTopic_IsKeysUnderTheDevice()
    {
        Assert.Equal("mh/v1/f1/icu-2/mon-42/keys", KeyTopics.Announcement("f1", "icu-2", "mon-42"));
        Assert.Throws<ArgumentException>(() => KeyTopics.Announcement("f1", "icu/2", "mon-42"));
    }
}
