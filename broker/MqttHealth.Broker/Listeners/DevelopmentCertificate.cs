using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace MqttHealth.Broker.Listeners;

/// <summary>
/// The self-signed certificate the TLS listener uses when no certificate is configured: ECDSA P-256, valid one
/// year, for localhost, 127.0.0.1 and ::1. Written once to the data directory as PEM and reused, so clients
/// that pinned it keep working across restarts; replaced when it is unreadable or expires within a week.
/// </summary>
public static class DevelopmentCertificate
{
    public const string CertificateFileName = "dev-tls-cert.pem";
    public const string KeyFileName = "dev-tls-key.pem";

    private static readonly TimeSpan Lifetime = TimeSpan.FromDays(365);
    private static readonly TimeSpan RenewBefore = TimeSpan.FromDays(7);

    /// <summary>Loads the certificate from <paramref name="dataDirectory"/>, generating it first if needed.</summary>
    /// <param name="dataDirectory">Created if missing.</param>
    /// <param name="timeProvider">The clock for validity.</param>
    /// <param name="created">True when a new certificate was written.</param>
    public static X509Certificate2 LoadOrCreate(string dataDirectory, TimeProvider timeProvider, out bool created)
    {
        ArgumentNullException.ThrowIfNull(timeProvider);
        Directory.CreateDirectory(dataDirectory);
        string certPath = Path.Combine(dataDirectory, CertificateFileName);
        string keyPath = Path.Combine(dataDirectory, KeyFileName);
        DateTimeOffset now = timeProvider.GetUtcNow();
        if (File.Exists(certPath) && File.Exists(keyPath))
        {
            try
            {
                X509Certificate2 existing = X509Certificate2.CreateFromPemFile(certPath, keyPath);
                if (existing.NotAfter.ToUniversalTime() > now.UtcDateTime + RenewBefore && existing.NotBefore.ToUniversalTime() <= now.UtcDateTime)
                {
                    created = false;
                    return existing;
                }

                existing.Dispose();
            }
            catch (CryptographicException)
            {
                // Unreadable or mismatched pair: a development certificate is cheap to replace.
            }
        }

        using (X509Certificate2 generated = Generate(now))
        using (ECDsa key = generated.GetECDsaPrivateKey()!)
        {
            WriteAtomically(keyPath, key.ExportPkcs8PrivateKeyPem(), privateFile: true);
            WriteAtomically(certPath, generated.ExportCertificatePem(), privateFile: false);
        }

        created = true;
        return X509Certificate2.CreateFromPemFile(certPath, keyPath);
    }

    /// <summary>Creates the certificate in memory (with its private key).</summary>
    public static X509Certificate2 Generate(DateTimeOffset now)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=localhost, O=MqttHealth development", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName("localhost");
        san.AddIpAddress(IPAddress.Loopback);
        san.AddIpAddress(IPAddress.IPv6Loopback);
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: false, hasPathLengthConstraint: false, pathLengthConstraint: 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, critical: true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1", "Server Authentication")], critical: false));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, critical: false));

        // Five minutes back so that a client with a slightly slow clock accepts it at once.
        return request.CreateSelfSigned(now.AddMinutes(-5), now.Add(Lifetime));
    }

    private static void WriteAtomically(string path, string contents, bool privateFile)
    {
        string temporary = path + ".tmp";
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            // The private key is readable by the broker's user only, from the moment the file exists.
            options.UnixCreateMode = privateFile ? UnixFileMode.UserRead | UnixFileMode.UserWrite : UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
        }

        File.Delete(temporary);
        using (var stream = new FileStream(temporary, options))
        using (var writer = new StreamWriter(stream))
        {
            writer.Write(contents);
        }

        File.Move(temporary, path, overwrite: true);
    }
}
