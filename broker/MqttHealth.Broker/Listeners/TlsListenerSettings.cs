using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using MqttHealth.Broker.Hosting;
using MqttHealth.Broker.Options;

namespace MqttHealth.Broker.Listeners;

/// <summary>
/// What the TLS listener needs, loaded before anything listens so that a bad certificate or key is a
/// configuration error (exit 2) with the file named, not a failure at the first handshake.
/// </summary>
public sealed class TlsListenerSettings : IDisposable
{
    private const string ServerAuthenticationOid = "1.3.6.1.5.5.7.3.1";

    private TlsListenerSettings(
        X509Certificate2 serverCertificate,
        X509Certificate2Collection serverChain,
        ClientCertificateMode clientCertificates,
        ClientCertificateValidator? clientValidator,
        string? developmentCertificatePath,
        bool developmentCertificateCreated)
    {
        ServerCertificate = serverCertificate;
        ServerChain = serverChain;
        ClientCertificates = clientCertificates;
        ClientValidator = clientValidator;
        DevelopmentCertificatePath = developmentCertificatePath;
        DevelopmentCertificateCreated = developmentCertificateCreated;
    }

    public X509Certificate2 ServerCertificate { get; }

    /// <summary>Intermediates sent after the server certificate (the rest of the PEM file).</summary>
    public X509Certificate2Collection ServerChain { get; }

    public ClientCertificateMode ClientCertificates { get; }

    /// <summary>Set when client certificates are optional or required.</summary>
    public ClientCertificateValidator? ClientValidator { get; }

    /// <summary>The generated development certificate's file, when no certificate is configured.</summary>
    public string? DevelopmentCertificatePath { get; }

    public bool DevelopmentCertificateCreated { get; }

    /// <summary>Loads the certificate (or the development one), its chain and the client CA.</summary>
    public static bool TryLoad(BrokerOptions options, TimeProvider timeProvider, out TlsListenerSettings? settings, out string? error)
    {
        ArgumentNullException.ThrowIfNull(options);
        settings = null;
        TlsOptions tls = options.Tls;
        X509Certificate2? certificate = null;
        ClientCertificateValidator? validator = null;
        string step = "the TLS certificate";
        try
        {
            var chain = new X509Certificate2Collection();
            string? developmentPath = null;
            bool created = false;
            if (string.IsNullOrWhiteSpace(tls.CertificatePath))
            {
                step = "the development TLS certificate in " + Path.GetFullPath(options.DataDirectory);
                certificate = DevelopmentCertificate.LoadOrCreate(Path.GetFullPath(options.DataDirectory), timeProvider, out created);
                developmentPath = Path.Combine(Path.GetFullPath(options.DataDirectory), DevelopmentCertificate.CertificateFileName);
            }
            else
            {
                string certPath = Path.GetFullPath(tls.CertificatePath);
                string? keyPath = string.IsNullOrWhiteSpace(tls.KeyPath) ? null : Path.GetFullPath(tls.KeyPath);
                step = keyPath is null
                    ? $"{BrokerConfiguration.Describe("Broker:Tls:CertificatePath")} '{certPath}' (with its key in the same file, as --tls-key is not set)"
                    : $"{BrokerConfiguration.Describe("Broker:Tls:CertificatePath")} '{certPath}' with {BrokerConfiguration.Describe("Broker:Tls:KeyPath")} '{keyPath}'";
                certificate = X509Certificate2.CreateFromPemFile(certPath, keyPath);
                chain.ImportFromPemFile(certPath);
                for (int i = chain.Count - 1; i >= 0; i--)
                {
                    if (chain[i].RawDataMemory.Span.SequenceEqual(certificate.RawDataMemory.Span))
                    {
                        chain.RemoveAt(i);
                    }
                }

                if (!AllowsServerAuthentication(certificate))
                {
                    error = $"cannot use {step}: its Extended Key Usage does not allow server authentication";
                    certificate.Dispose();
                    return false;
                }
            }

            if (tls.ClientCertificates != ClientCertificateMode.None)
            {
                string caPath = Path.GetFullPath(tls.ClientCaPath!);
                step = $"{BrokerConfiguration.Describe("Broker:Tls:ClientCaPath")} '{caPath}'";
                validator = ClientCertificateValidator.FromPemFile(caPath);
                if (!string.IsNullOrWhiteSpace(tls.ClientCrlFile))
                {
                    step = $"{BrokerConfiguration.Describe("Broker:Tls:ClientCrlFile")} '{Path.GetFullPath(tls.ClientCrlFile)}'";
                    validator.LoadRevocation(tls.ClientCrlFile, tls.ClientCrlStale);
                }
            }

            settings = new TlsListenerSettings(certificate, chain, tls.ClientCertificates, validator, developmentPath, created);
            error = null;
            return true;
        }
        catch (Exception ex) when (ex is CryptographicException or IOException or UnauthorizedAccessException or ArgumentException)
        {
            certificate?.Dispose();
            validator?.Dispose();
            error = $"cannot load {step}: {ex.Message.ReplaceLineEndings(" ").Trim()}";
            return false;
        }
        catch (Security.Authentication.CertificateRevocationException ex)
        {
            // The message names the file and the CRL.
            certificate?.Dispose();
            validator?.Dispose();
            error = ex.Message;
            return false;
        }
    }

    public void Dispose()
    {
        ServerCertificate.Dispose();
        foreach (X509Certificate2 certificate in ServerChain)
        {
            certificate.Dispose();
        }

        ClientValidator?.Dispose();
    }

    private static bool AllowsServerAuthentication(X509Certificate2 certificate)
    {
        foreach (X509Extension extension in certificate.Extensions)
        {
            if (extension is X509EnhancedKeyUsageExtension eku)
            {
                foreach (Oid usage in eku.EnhancedKeyUsages)
                {
                    if (usage.Value == ServerAuthenticationOid)
                    {
                        return true;
                    }
                }

                return false;
            }
        }

        // No Extended Key Usage: any use is allowed (RFC 5280 §4.2.1.12).
        return true;
    }
}
