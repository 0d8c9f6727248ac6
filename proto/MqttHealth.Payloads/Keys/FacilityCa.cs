using System.Numerics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace MqttHealth.Payloads.Keys;

/// <summary>
/// A facility certificate authority: a self-signed P-256 CA (basic constraints CA, path length 0, key usage
/// keyCertSign + cRLSign) that issues P-256 identities for devices, gateways, consumers and the broker, and the
/// CRL that revokes them. The same certificates authenticate to the broker with mutual TLS (docs/authentication.md):
/// CN = principal name, O = facility, OU = unit, SAN URI <c>urn:mqtthealth:{role}:{name}</c>.
/// </summary>
public sealed class FacilityCa : IDisposable
{
    private const string ClientAuthOid = "1.3.6.1.5.5.7.3.2";
    private const string ServerAuthOid = "1.3.6.1.5.5.7.3.1";

    private readonly ECDsa _key;
    private readonly X509Certificate2 _signer;

    private FacilityCa(X509Certificate2 certificate, ECDsa key, string facility)
    {
        Certificate = certificate;
        _key = key;
        _signer = certificate.CopyWithPrivateKey(key);
        Facility = facility;
    }

    /// <summary>The CA's certificate (public; what the broker's <c>Tls:ClientCaPath</c> and every principal trust).</summary>
    public X509Certificate2 Certificate { get; }

    /// <summary>The facility name (the CA's O, and the O of every certificate it issues).</summary>
    public string Facility { get; }

    /// <summary>Creates a CA for <paramref name="facility"/>: subject <c>O={facility}, CN={facility} facility CA</c>.</summary>
    public static FacilityCa Create(string facility, TimeSpan validity, TimeProvider? time = null)
    {
        PrincipalNames.Validate(facility, "facility", nameof(facility));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(validity, TimeSpan.Zero);
        DateTimeOffset now = Now(time);
        var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        try
        {
            // The builder encodes in the reverse of the calls: this encodes O then CN (most significant first).
            var subject = new X500DistinguishedNameBuilder();
            subject.AddCommonName($"{facility} facility CA");
            subject.AddOrganizationName(facility);
            var request = new CertificateRequest(subject.Build(), key, HashAlgorithmName.SHA256);
            request.CertificateExtensions.Add(X509BasicConstraintsExtension.CreateForCertificateAuthority(pathLengthConstraint: 0));
            request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, critical: true));
            var ski = new X509SubjectKeyIdentifierExtension(request.PublicKey, critical: false);
            request.CertificateExtensions.Add(ski);
            request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromSubjectKeyIdentifier(ski));
            using X509Certificate2 withKey = request.CreateSelfSigned(now, now + validity);
            var certificate = X509CertificateLoader.LoadCertificate(withKey.RawData);
            return new FacilityCa(certificate, key, facility);
        }
        catch
        {
            key.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Loads a CA from its certificate PEM and encrypted key PEM. Throws <see cref="KeyException"/> for a wrong passphrase,
    /// a key that does not match, or a certificate that is not a CA.
    /// </summary>
    public static FacilityCa Load(string certificatePem, string encryptedKeyPem, ReadOnlySpan<char> passphrase, string source)
    {
        X509Certificate2 certificate = KeyIdentity.ParseCertificatePem(certificatePem, $"{source} certificate");
        ECDsa key = KeyProtection.ImportEncryptedPem(encryptedKeyPem, passphrase, $"{source} key");
        try
        {
            if (certificate.Extensions.OfType<X509BasicConstraintsExtension>().FirstOrDefault() is not { CertificateAuthority: true })
            {
                throw new KeyException(KeyErrorKind.WrongUsage, $"{source}: '{certificate.Subject}' is not a CA certificate");
            }

            KeyIdentity.CheckKeyMatches(certificate, key, source);
            string? facility = certificate.SubjectName.EnumerateRelativeDistinguishedNames()
                .Where(r => !r.HasMultipleElements && r.GetSingleElementType().Value == "2.5.4.10")
                .Select(r => r.GetSingleElementValue()).FirstOrDefault();
            if (!PrincipalNames.IsValid(facility))
            {
                throw new KeyException(KeyErrorKind.WrongUsage, $"{source}: the CA certificate has no valid O (the facility)");
            }

            return new FacilityCa(certificate, key, facility!);
        }
        catch
        {
            key.Dispose();
            certificate.Dispose();
            throw;
        }
    }

    /// <summary>The CA's certificate as PEM.</summary>
    public string ExportCertificatePem() => Certificate.ExportCertificatePem();

    /// <summary>The CA's private key as encrypted PKCS#8 PEM.</summary>
    public string ExportEncryptedKeyPem(ReadOnlySpan<char> passphrase, int iterations = KeyProtection.DefaultIterations) =>
        KeyProtection.ExportEncryptedPem(_key, passphrase, iterations);

    /// <summary>
    /// Issues a P-256 identity: subject <c>O={facility}[, OU={unit}], CN={name}</c>; SAN URI
    /// <c>urn:mqtthealth:{role}:{name}</c> (and, for the broker, the name as a DNS name, so it can be its host name);
    /// EKU client authentication (and server authentication for the broker); key usage digitalSignature + keyAgreement;
    /// a 127-bit random serial. The validity is clipped to the CA's.
    /// </summary>
    public IssuedIdentity Issue(KeyRole role, string name, string? unit, TimeSpan validity, TimeProvider? time = null)
    {
        PrincipalNames.Validate(name, "principal name", nameof(name));
        if (unit is not null)
        {
            PrincipalNames.Validate(unit, "unit", nameof(unit));
        }

        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(validity, TimeSpan.Zero);
        DateTimeOffset now = Now(time);
        if (now > Certificate.NotAfter || now < Certificate.NotBefore)
        {
            throw new KeyException(KeyErrorKind.Expired, $"the facility CA '{Certificate.Subject}' is not valid now ({Certificate.NotBefore:u} to {Certificate.NotAfter:u})");
        }

        DateTimeOffset notAfter = now + validity;
        if (notAfter > Certificate.NotAfter)
        {
            notAfter = Certificate.NotAfter;
        }

        var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        try
        {
            // The builder encodes in the reverse of the calls: this encodes O, OU, CN (most significant first), as
            // openssl's "/O=f1/OU=icu-2/CN=mon-42" does.
            var subject = new X500DistinguishedNameBuilder();
            subject.AddCommonName(name);
            if (unit is not null)
            {
                subject.AddOrganizationalUnitName(unit);
            }

            subject.AddOrganizationName(Facility);
            var request = new CertificateRequest(subject.Build(), key, HashAlgorithmName.SHA256);
            request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, critical: true));
            request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyAgreement, critical: true));
            var usages = new OidCollection { new Oid(ClientAuthOid) };
            if (role == KeyRole.Broker)
            {
                usages.Add(new Oid(ServerAuthOid));
            }

            request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(usages, critical: false));
            var san = new SubjectAlternativeNameBuilder();
            san.AddUri(new Uri(PrincipalNames.Urn(role, name)));
            if (role == KeyRole.Broker)
            {
                san.AddDnsName(name);
            }

            request.CertificateExtensions.Add(san.Build());
            request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, critical: false));
            request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(Certificate, includeKeyIdentifier: true, includeIssuerAndSerial: false));
            byte[] serial = new byte[16];
            RandomNumberGenerator.Fill(serial);
            serial[0] = (byte)((serial[0] & 0x7F) | 0x01);
            using X509Certificate2 issued = request.Create(_signer, now, notAfter, serial);
            var certificate = X509CertificateLoader.LoadCertificate(issued.RawData);
            return new IssuedIdentity(certificate, key, role);
        }
        catch
        {
            key.Dispose();
            throw;
        }
    }

    /// <summary>
    /// A new CRL (DER): the entries of <paramref name="currentCrl"/> (when given; it must be this CA's), plus
    /// <paramref name="revokeSerials"/> revoked now, with the next CRL number, valid until now +
    /// <paramref name="lifetime"/>. Suitable for the broker's <c>Tls:ClientCrlFile</c>.
    /// </summary>
    public byte[] BuildCrl(FacilityCrl? currentCrl, IEnumerable<ReadOnlyMemory<byte>> revokeSerials, TimeSpan lifetime, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(revokeSerials);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(lifetime, TimeSpan.Zero);
        DateTimeOffset now = Now(time);
        CertificateRevocationListBuilder builder;
        BigInteger number;
        if (currentCrl is null)
        {
            builder = new CertificateRevocationListBuilder();
            number = BigInteger.Zero;
        }
        else
        {
            builder = CertificateRevocationListBuilder.Load(currentCrl.Der.ToArray(), out number);
        }

        foreach (ReadOnlyMemory<byte> serial in revokeSerials)
        {
            if (currentCrl is null || !currentCrl.RevokedSerials.Contains(FacilityCrl.SerialKey(serial.Span)))
            {
                builder.AddEntry(serial.Span, now, X509RevocationReason.Unspecified);
            }
        }

        return builder.Build(_signer, number + 1, now + lifetime, HashAlgorithmName.SHA256, thisUpdate: now);
    }

    public void Dispose()
    {
        _signer.Dispose();
        _key.Dispose();
        Certificate.Dispose();
    }

    private static DateTimeOffset Now(TimeProvider? time)
    {
        DateTimeOffset now = (time ?? TimeProvider.System).GetUtcNow();
        return new DateTimeOffset(now.Ticks - (now.Ticks % TimeSpan.TicksPerSecond), TimeSpan.Zero);
    }
}

/// <summary>A freshly issued identity: its certificate and private key, before it is written out encrypted.</summary>
public sealed class IssuedIdentity : IDisposable
{
    internal IssuedIdentity(X509Certificate2 certificate, ECDsa key, KeyRole role)
    {
        Certificate = certificate;
        Key = key;
        Role = role;
    }

    public X509Certificate2 Certificate { get; }

    public KeyRole Role { get; }

    internal ECDsa Key { get; }

    public string ExportCertificatePem() => Certificate.ExportCertificatePem();

    /// <summary>The private key as encrypted PKCS#8 PEM (PBES2, PBKDF2-HMAC-SHA256, AES-256-CBC).</summary>
    public string ExportEncryptedKeyPem(ReadOnlySpan<char> passphrase, int iterations = KeyProtection.DefaultIterations) =>
        KeyProtection.ExportEncryptedPem(Key, passphrase, iterations);

    /// <summary>A usable identity (certificate + key) without going through files.</summary>
    public KeyIdentity ToIdentity() => KeyIdentity.Create(X509CertificateLoader.LoadCertificate(Certificate.RawData), ECDsa.Create(Key.ExportParameters(true)));

    public void Dispose()
    {
        Key.Dispose();
        Certificate.Dispose();
    }
}
