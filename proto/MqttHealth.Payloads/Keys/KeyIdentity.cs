using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace MqttHealth.Payloads.Keys;

/// <summary>
/// A principal's identity in use: its certificate (issued by the facility CA) and its P-256 private key, for ECDSA
/// signatures (epoch announcements) and ECDH (unwrapping epoch secrets wrapped for it).
/// </summary>
public sealed class KeyIdentity : IDisposable
{
    private KeyIdentity(X509Certificate2 certificate, ECDsa key, CertificateFacts facts)
    {
        Certificate = certificate;
        SigningKey = key;
        AgreementKey = ECDiffieHellman.Create(key.ExportParameters(true));
        Facts = facts;
    }

    public X509Certificate2 Certificate { get; }

    public CertificateFacts Facts { get; }

    /// <summary>The principal name (CN); for a sender, its sender id.</summary>
    public string Name => Facts.Name;

    public KeyRole Role => Facts.Role;

    /// <summary>16 hex digits: the first 8 bytes of SHA-256 of the certificate's SubjectPublicKeyInfo.</summary>
    public string KeyId => Facts.KeyId;

    internal ECDsa SigningKey { get; }

    internal ECDiffieHellman AgreementKey { get; }

    /// <summary>
    /// Loads an identity from a certificate PEM file and an encrypted PKCS#8 key PEM file, and checks it against the
    /// facility CA at the current time. Throws <see cref="KeyException"/>: <see cref="KeyErrorKind.WrongPassphrase"/>,
    /// <see cref="KeyErrorKind.KeyMismatch"/> (the key is not the certificate's), <see cref="KeyErrorKind.NotIssuedByCa"/>,
    /// <see cref="KeyErrorKind.Expired"/>, <see cref="KeyErrorKind.NotYetValid"/>, <see cref="KeyErrorKind.Revoked"/>,
    /// <see cref="KeyErrorKind.Malformed"/> (also for a missing or unreadable file).
    /// </summary>
    public static KeyIdentity Load(string certificatePath, string keyPath, ReadOnlySpan<char> passphrase, FacilityTrust trust, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(trust);
        return FromPem(ReadText(certificatePath), certificatePath, ReadText(keyPath), keyPath, passphrase, trust, time);
    }

    /// <summary>As <see cref="Load"/>, from the PEM texts; <paramref name="certificateSource"/> and <paramref name="keySource"/> name them in errors.</summary>
    public static KeyIdentity FromPem(string certificatePem, string certificateSource, string encryptedKeyPem, string keySource, ReadOnlySpan<char> passphrase, FacilityTrust trust, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(trust);
        X509Certificate2 certificate = ParseCertificatePem(certificatePem, certificateSource);
        ECDsa? key = null;
        try
        {
            CertificateFacts facts = CertificateFacts.Read(certificate);
            trust.Validate(certificate, (time ?? TimeProvider.System).GetUtcNow(), $"{certificateSource}: certificate");
            key = KeyProtection.ImportEncryptedPem(encryptedKeyPem, passphrase, keySource);
            CheckKeyMatches(certificate, key, keySource);
            return new KeyIdentity(certificate, key, facts);
        }
        catch
        {
            key?.Dispose();
            certificate.Dispose();
            throw;
        }
    }

    /// <summary>An identity from a certificate and its key, without the CA check (the caller issued or checked it).</summary>
    public static KeyIdentity Create(X509Certificate2 certificate, ECDsa key)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        ArgumentNullException.ThrowIfNull(key);
        CertificateFacts facts = CertificateFacts.Read(certificate);
        CheckKeyMatches(certificate, key, "the private key");
        return new KeyIdentity(certificate, key, facts);
    }

    /// <summary>Parses the first CERTIFICATE PEM block of <paramref name="pem"/>.</summary>
    public static X509Certificate2 ParseCertificatePem(string pem, string source)
    {
        ArgumentNullException.ThrowIfNull(pem);
        if (!PemEncoding.TryFind(pem, out PemFields fields) || pem[fields.Label] != "CERTIFICATE")
        {
            throw new KeyException(KeyErrorKind.Malformed, $"{source}: no CERTIFICATE PEM block");
        }

        try
        {
            return X509CertificateLoader.LoadCertificate(Convert.FromBase64String(pem[fields.Base64Data]));
        }
        catch (CryptographicException ex)
        {
            throw new KeyException(KeyErrorKind.Malformed, $"{source}: the certificate does not parse ({ex.Message})", ex);
        }
    }

    /// <summary>Throws <see cref="KeyErrorKind.KeyMismatch"/> unless <paramref name="key"/>'s public key is the certificate's.</summary>
    public static void CheckKeyMatches(X509Certificate2 certificate, ECDsa key, string source)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        ArgumentNullException.ThrowIfNull(key);
        byte[] fromKey = key.ExportSubjectPublicKeyInfo();
        if (!CryptographicOperations.FixedTimeEquals(fromKey, certificate.PublicKey.ExportSubjectPublicKeyInfo()))
        {
            throw new KeyException(KeyErrorKind.KeyMismatch, $"{source}: the private key does not belong to the certificate '{certificate.Subject}'");
        }
    }

    /// <summary>Reads a text file, turning a missing or unreadable file into <see cref="KeyErrorKind.Malformed"/> with its path.</summary>
    public static string ReadText(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new KeyException(KeyErrorKind.Malformed, $"{path}: cannot be read ({ex.Message})", ex);
        }
    }

    public void Dispose()
    {
        AgreementKey.Dispose();
        SigningKey.Dispose();
        Certificate.Dispose();
    }
}
