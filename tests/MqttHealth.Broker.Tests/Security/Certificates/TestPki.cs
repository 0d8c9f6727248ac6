using System.Numerics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace MqttHealth.Broker.Tests.Security.Certificates;

/// <summary>
/// A throwaway facility PKI made with <see cref="CertificateRequest"/>: CAs (ECDSA P-256, or RSA 2048), device
/// certificates with any subject and SANs, and CRLs made with <see cref="CertificateRevocationListBuilder"/> (test side
/// only: the broker parses CRLs itself).
/// </summary>
internal static class TestPki
{
    private static readonly Oid ClientAuthentication = new("1.3.6.1.5.5.7.3.2");
    private static readonly Oid ServerAuthentication = new("1.3.6.1.5.5.7.3.1");

    /// <summary>A self-signed root CA with its private key.</summary>
    public static X509Certificate2 CreateRoot(string subject, bool rsa = false)
    {
        DateTimeOffset now = DateTimeOffset.UtcNow;
        if (rsa)
        {
            using var rsaKey = RSA.Create(2048);
            var rsaRequest = new CertificateRequest(subject, rsaKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            AddCaExtensions(rsaRequest);
            return rsaRequest.CreateSelfSigned(now.AddDays(-30), now.AddDays(365));
        }

        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        AddCaExtensions(request);
        return request.CreateSelfSigned(now.AddDays(-30), now.AddDays(365));
    }

    /// <summary>An intermediate CA issued by <paramref name="issuer"/>, with its private key.</summary>
    public static X509Certificate2 IssueIntermediate(X509Certificate2 issuer, string subject)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        AddCaExtensions(request);
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(issuer, true, false));
        DateTimeOffset now = DateTimeOffset.UtcNow;
        using X509Certificate2 issued = request.Create(issuer, now.AddDays(-10), now.AddDays(200), Serial());
        return issued.CopyWithPrivateKey(key);
    }

    /// <summary>A client (or, with <paramref name="server"/>, a server) certificate issued by <paramref name="issuer"/>, with its private key.</summary>
    public static X509Certificate2 IssueLeaf(X509Certificate2 issuer, string subject, Action<SubjectAlternativeNameBuilder>? san = null, bool server = false)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([server ? ServerAuthentication : ClientAuthentication], false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(issuer, true, false));
        if (san is not null)
        {
            var builder = new SubjectAlternativeNameBuilder();
            san(builder);
            request.CertificateExtensions.Add(builder.Build());
        }

        DateTimeOffset now = DateTimeOffset.UtcNow;
        DateTimeOffset notAfter = now.AddDays(7) < issuer.NotAfter ? now.AddDays(7) : new DateTimeOffset(issuer.NotAfter).AddMinutes(-1);
        using RSA? rsaIssuer = issuer.GetRSAPrivateKey();
        using X509Certificate2 issued = rsaIssuer is null
            ? request.Create(issuer, now.AddMinutes(-5), notAfter, Serial())
            : request.Create(issuer.SubjectName, X509SignatureGenerator.CreateForRSA(rsaIssuer, RSASignaturePadding.Pkcs1), now.AddMinutes(-5), notAfter, Serial());
        return issued.CopyWithPrivateKey(key);
    }

    /// <summary>A DER CRL from <paramref name="issuer"/> revoking <paramref name="revoked"/>.</summary>
    public static byte[] Crl(X509Certificate2 issuer, IEnumerable<X509Certificate2> revoked, DateTimeOffset? nextUpdate = null, DateTimeOffset? thisUpdate = null, HashAlgorithmName? hash = null, int number = 1)
    {
        var builder = new CertificateRevocationListBuilder();
        foreach (X509Certificate2 certificate in revoked)
        {
            builder.AddEntry(certificate, DateTimeOffset.UtcNow.AddMinutes(-1), X509RevocationReason.KeyCompromise);
        }

        DateTimeOffset now = DateTimeOffset.UtcNow;
        using RSA? rsaKey = issuer.GetRSAPublicKey();
        bool rsa = rsaKey is not null;
        return builder.Build(
            issuer,
            new BigInteger(number),
            nextUpdate ?? now.AddDays(7),
            hash ?? HashAlgorithmName.SHA256,
            rsa ? RSASignaturePadding.Pkcs1 : null,
            thisUpdate ?? now.AddMinutes(-2));
    }

    public static string Pem(params byte[][] crls) => string.Concat(crls.Select(crl => PemEncoding.WriteString("X509 CRL", crl) + "\n"));

    /// <summary>PEM of certificates (no keys), e.g. the client CA file.</summary>
    public static string CertificatesPem(params X509Certificate2[] certificates) => string.Concat(certificates.Select(c => c.ExportCertificatePem() + "\n"));

    private static void AddCaExtensions(CertificateRequest request)
    {
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
    }

    private static byte[] Serial()
    {
        byte[] serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7F;
        serial[0] |= 0x01;
        return serial;
    }
}
