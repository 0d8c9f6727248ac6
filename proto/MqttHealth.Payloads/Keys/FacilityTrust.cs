using System.Security.Cryptography.X509Certificates;

namespace MqttHealth.Payloads.Keys;

/// <summary>
/// What a principal trusts: the facility CA's certificate and, when it has one, the CA's current CRL. Checks that a
/// certificate was issued by the CA, is within its validity and is not revoked.
/// </summary>
public sealed class FacilityTrust
{
    public FacilityTrust(X509Certificate2 caCertificate, FacilityCrl? crl = null)
    {
        ArgumentNullException.ThrowIfNull(caCertificate);
        CaCertificate = caCertificate;
        Crl = crl;
    }

    public X509Certificate2 CaCertificate { get; }

    public FacilityCrl? Crl { get; }

    /// <summary>
    /// Throws <see cref="KeyException"/> unless <paramref name="certificate"/> is within its validity at
    /// <paramref name="at"/> (<see cref="KeyErrorKind.Expired"/>, <see cref="KeyErrorKind.NotYetValid"/>), chains to the
    /// CA (<see cref="KeyErrorKind.NotIssuedByCa"/>) and is not in the CRL (<see cref="KeyErrorKind.Revoked"/>).
    /// </summary>
    public void Validate(X509Certificate2 certificate, DateTimeOffset at, string what)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        if (at > certificate.NotAfter)
        {
            throw new KeyException(KeyErrorKind.Expired, $"{what} '{certificate.Subject}' expired at {certificate.NotAfter.ToUniversalTime():yyyy-MM-ddTHH:mm:ssZ}");
        }

        if (at < certificate.NotBefore)
        {
            throw new KeyException(KeyErrorKind.NotYetValid, $"{what} '{certificate.Subject}' is not valid before {certificate.NotBefore.ToUniversalTime():yyyy-MM-ddTHH:mm:ssZ}");
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(CaCertificate);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.DisableCertificateDownloads = true;
        chain.ChainPolicy.VerificationTime = at.UtcDateTime;
        chain.ChainPolicy.VerificationTimeIgnored = false;
        bool built = chain.Build(certificate);
        if (!built || chain.ChainElements.Count != 2 || !chain.ChainElements[1].Certificate.RawDataMemory.Span.SequenceEqual(CaCertificate.RawDataMemory.Span))
        {
            string status = string.Join("; ", chain.ChainStatus.Select(s => s.StatusInformation.Trim()).Where(s => s.Length > 0));
            throw new KeyException(KeyErrorKind.NotIssuedByCa, $"{what} '{certificate.Subject}' was not issued by the facility CA '{CaCertificate.Subject}'{(status.Length > 0 ? $" ({status})" : string.Empty)}");
        }

        if (Crl is not null && Crl.IsRevoked(certificate))
        {
            throw new KeyException(KeyErrorKind.Revoked, $"{what} '{certificate.Subject}' (serial {FacilityCrl.SerialKey(certificate)}) is revoked by the facility CA's CRL");
        }
    }
}
