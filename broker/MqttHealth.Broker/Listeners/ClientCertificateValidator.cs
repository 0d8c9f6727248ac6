using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace MqttHealth.Broker.Listeners;

/// <summary>
/// Validates TLS client certificates against the configured CA file only (custom root trust), not the
/// machine's trust store: a certificate from any public CA must not get a device onto the broker.
/// </summary>
/// <remarks>
/// Self-signed certificates in the CA file are trust anchors; others (intermediates) help build the chain.
/// Revocation is not checked (no CRL or OCSP configuration yet); a certificate with an Extended Key Usage
/// must allow client authentication.
/// </remarks>
public sealed class ClientCertificateValidator : IDisposable
{
    private static readonly Oid ClientAuthentication = new("1.3.6.1.5.5.7.3.2", "Client Authentication");

    private readonly X509Certificate2Collection _roots = [];
    private readonly X509Certificate2Collection _intermediates = [];

    public ClientCertificateValidator(X509Certificate2Collection caCertificates)
    {
        ArgumentNullException.ThrowIfNull(caCertificates);
        foreach (X509Certificate2 certificate in caCertificates)
        {
            if (certificate.SubjectName.RawData.AsSpan().SequenceEqual(certificate.IssuerName.RawData))
            {
                _roots.Add(certificate);
            }
            else
            {
                _intermediates.Add(certificate);
            }
        }

        if (_roots.Count == 0)
        {
            throw new CryptographicException("the client CA file holds no self-signed (root) certificate to trust");
        }
    }

    /// <summary>Loads the CA certificates from a PEM file.</summary>
    public static ClientCertificateValidator FromPemFile(string path)
    {
        var certificates = new X509Certificate2Collection();
        certificates.ImportFromPemFile(path);
        if (certificates.Count == 0)
        {
            throw new CryptographicException($"no certificate in '{path}'");
        }

        return new ClientCertificateValidator(certificates);
    }

    /// <summary>Whether <paramref name="certificate"/> chains to a configured root, is in its validity period and allows client authentication.</summary>
    /// <param name="certificate">The client's certificate.</param>
    /// <param name="presentedChain">The chain the TLS stack built, whose intermediates the client may have sent.</param>
    /// <param name="reason">Why not, for the log.</param>
    public bool Validate(X509Certificate2 certificate, X509Chain? presentedChain, out string reason)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(_roots);
        chain.ChainPolicy.ExtraStore.AddRange(_intermediates);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.DisableCertificateDownloads = true;
        chain.ChainPolicy.ApplicationPolicy.Add(ClientAuthentication);
        if (presentedChain is not null)
        {
            foreach (X509ChainElement element in presentedChain.ChainElements)
            {
                if (!element.Certificate.RawDataMemory.Span.SequenceEqual(certificate.RawDataMemory.Span))
                {
                    chain.ChainPolicy.ExtraStore.Add(element.Certificate);
                }
            }
        }

        // The chain's element certificates are left to the finalizer: on some platforms they can be the very
        // instances in the trust stores, which must outlive this call.
        if (chain.Build(certificate))
        {
            reason = string.Empty;
            return true;
        }

        reason = string.Join("; ", chain.ChainStatus.Select(s => s.StatusInformation.Trim()).Where(s => s.Length > 0).Distinct());
        if (reason.Length == 0)
        {
            reason = "the certificate does not chain to the configured client CA";
        }

        return false;
    }

    public void Dispose()
    {
        foreach (X509Certificate2 certificate in _roots)
        {
            certificate.Dispose();
        }

        foreach (X509Certificate2 certificate in _intermediates)
        {
            certificate.Dispose();
        }
    }
}
