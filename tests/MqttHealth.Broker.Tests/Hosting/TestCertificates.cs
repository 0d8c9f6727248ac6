using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace MqttHealth.Broker.Tests.Hosting;

/// <summary>A throwaway CA and certificates it issues, made with <see cref="CertificateRequest"/> (ECDSA P-256).</summary>
internal sealed class TestCertificates : IDisposable
{
    private static readonly Oid ClientAuthentication = new("1.3.6.1.5.5.7.3.2");
    private static readonly Oid ServerAuthentication = new("1.3.6.1.5.5.7.3.1");

    private TestCertificates(X509Certificate2 ca)
    {
        Ca = ca;
    }

    public X509Certificate2 Ca { get; }

    public static TestCertificates CreateCa(string name)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        DateTimeOffset now = DateTimeOffset.UtcNow;
        return new TestCertificates(request.CreateSelfSigned(now.AddDays(-30), now.AddDays(30)));
    }

    /// <summary>A client certificate issued by this CA (with its private key); or, with <paramref name="serverAuthenticationOnly"/>, a server one.</summary>
    public X509Certificate2 IssueClient(string name, bool serverAuthenticationOnly = false, bool expired = false)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([serverAuthenticationOnly ? ServerAuthentication : ClientAuthentication], false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(Ca, true, false));
        DateTimeOffset now = DateTimeOffset.UtcNow;
        DateTimeOffset notBefore = expired ? now.AddDays(-10) : now.AddMinutes(-5);
        DateTimeOffset notAfter = expired ? now.AddDays(-1) : now.AddDays(7);
        byte[] serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7F;
        using X509Certificate2 issued = request.Create(Ca, notBefore, notAfter, serial);
        return issued.CopyWithPrivateKey(key);
    }

    /// <summary>
    /// Writes <paramref name="certificate"/> followed by the CA (a chain file) to <paramref name="certificatePath"/>
    /// and its private key (PKCS#8) to <paramref name="keyPath"/>, or into the certificate file when that is null.
    /// </summary>
    public void WritePem(X509Certificate2 certificate, string certificatePath, string? keyPath)
    {
        using ECDsa key = certificate.GetECDsaPrivateKey()!;
        string chain = certificate.ExportCertificatePem() + "\n" + Ca.ExportCertificatePem() + "\n";
        if (keyPath is null)
        {
            File.WriteAllText(certificatePath, chain + key.ExportPkcs8PrivateKeyPem() + "\n");
        }
        else
        {
            File.WriteAllText(certificatePath, chain);
            File.WriteAllText(keyPath, key.ExportPkcs8PrivateKeyPem() + "\n");
        }
    }

    /// <summary>Writes the CA certificate (no key) as PEM.</summary>
    public string WriteCaPem(string path)
    {
        File.WriteAllText(path, Ca.ExportCertificatePem());
        return path;
    }

    public void Dispose() => Ca.Dispose();
}
