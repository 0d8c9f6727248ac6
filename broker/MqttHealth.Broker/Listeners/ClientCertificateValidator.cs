using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using MqttHealth.Broker.Options;
using MqttHealth.Broker.Security.Authentication;

namespace MqttHealth.Broker.Listeners;

/// <summary>
/// Validates TLS client certificates against the configured CA file only (custom root trust), not the
/// machine's trust store: a certificate from any public CA must not get a device onto the broker.
/// </summary>
/// <remarks>
/// Self-signed certificates in the CA file are trust anchors; others (intermediates) help build the chain.
/// A certificate with an Extended Key Usage must allow client authentication. With a client CRL file
/// (<see cref="Revocation"/>), every certificate of the built chain below the root, intermediates included, is
/// checked against its issuer's CRL; OCSP and CRL distribution points are never fetched.
/// </remarks>
public sealed class ClientCertificateValidator : IDisposable
{
    private static readonly Oid ClientAuthentication = new("1.3.6.1.5.5.7.3.2", "Client Authentication");

    private readonly X509Certificate2Collection _roots = [];
    private readonly X509Certificate2Collection _intermediates = [];

    private readonly TimeProvider _time;

    public ClientCertificateValidator(X509Certificate2Collection caCertificates, TimeProvider? timeProvider = null)
    {
        _time = timeProvider ?? TimeProvider.System;
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

    /// <summary>The client CRLs checked at every handshake; null when no CRL file is configured.</summary>
    public CertificateRevocationStore? Revocation { get; private set; }

    /// <summary>The CA file's certificates, roots and intermediates: the CAs a CRL may come from.</summary>
    public IEnumerable<X509Certificate2> CaCertificates => _roots.Concat(_intermediates);

    /// <summary>
    /// Reads the client CRL file against this validator's CAs and checks every handshake against it from now on.
    /// Throws <see cref="CertificateRevocationException"/> when the file cannot be used.
    /// </summary>
    public CertificateRevocationStore LoadRevocation(string path, CrlStaleMode staleMode)
    {
        Revocation = CertificateRevocationStore.Load(path, CaCertificates, staleMode);
        return Revocation;
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
            reason = Revocation is { } revocation ? CheckRevocation(revocation, chain) ?? string.Empty : string.Empty;
            return reason.Length == 0;
        }

        reason = string.Join("; ", chain.ChainStatus.Select(s => s.StatusInformation.Trim()).Where(s => s.Length > 0).Distinct());
        if (reason.Length == 0)
        {
            reason = "the certificate does not chain to the configured client CA";
        }

        return false;
    }

    // The last element is the trust anchor, which no CRL can revoke; everything below it is checked.
    private string? CheckRevocation(CertificateRevocationStore revocation, X509Chain chain)
    {
        DateTimeOffset now = _time.GetUtcNow();
        X509ChainElementCollection elements = chain.ChainElements;
        for (int i = 0; i < elements.Count - 1; i++)
        {
            if (revocation.Check(elements[i].Certificate, now) is { } reason)
            {
                return reason;
            }
        }

        return null;
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
