using System.Formats.Asn1;
using System.Security.Cryptography;

namespace MqttHealth.Payloads.Keys;

/// <summary>
/// Private keys at rest: encrypted PKCS#8 PEM (<c>-----BEGIN ENCRYPTED PRIVATE KEY-----</c>), PBES2 with
/// PBKDF2-HMAC-SHA256 and AES-256-CBC, the form <c>openssl pkcs8 -topk8 -v2 aes-256-cbc -v2prf hmacWithSHA256</c>
/// writes and reads.
/// </summary>
public static class KeyProtection
{
    /// <summary>PBKDF2-HMAC-SHA256 iterations for new keys (OWASP's 2023 figure for PBKDF2-HMAC-SHA256).</summary>
    public const int DefaultIterations = 600_000;

    /// <summary>The fewest iterations accepted when writing a key (tests use it to stay fast).</summary>
    public const int MinimumIterations = 1_000;

    /// <summary>The most iterations accepted when reading a key: a file asking for more is refused rather than run for hours.</summary>
    public const int MaximumIterations = 10_000_000;

    private const string Pbes2Oid = "1.2.840.113549.1.5.13";
    private const string Pbkdf2Oid = "1.2.840.113549.1.5.12";

    /// <summary>The encrypted PKCS#8 PEM of <paramref name="key"/> under <paramref name="passphrase"/>.</summary>
    public static string ExportEncryptedPem(ECDsa key, ReadOnlySpan<char> passphrase, int iterations = DefaultIterations)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (passphrase.IsEmpty)
        {
            throw new ArgumentException("the passphrase is empty", nameof(passphrase));
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(iterations, MinimumIterations);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(iterations, MaximumIterations);
        var parameters = new PbeParameters(PbeEncryptionAlgorithm.Aes256Cbc, HashAlgorithmName.SHA256, iterations);
        return new string(PemEncoding.Write("ENCRYPTED PRIVATE KEY", key.ExportEncryptedPkcs8PrivateKey(passphrase, parameters)));
    }

    /// <summary>
    /// Decrypts an encrypted PKCS#8 PEM P-256 key. Throws <see cref="KeyException"/>: <see cref="KeyErrorKind.Malformed"/>
    /// when the text is not such a key, <see cref="KeyErrorKind.WrongPassphrase"/> when it is but does not decrypt.
    /// </summary>
    public static ECDsa ImportEncryptedPem(string pem, ReadOnlySpan<char> passphrase, string source)
    {
        ArgumentNullException.ThrowIfNull(pem);
        byte[] der = ReadEncryptedPkcs8(pem, source);
        var key = ECDsa.Create();
        try
        {
            try
            {
                key.ImportEncryptedPkcs8PrivateKey(passphrase, der, out int read);
                if (read != der.Length)
                {
                    throw new KeyException(KeyErrorKind.Malformed, $"{source}: trailing bytes after the encrypted private key");
                }
            }
            catch (CryptographicException ex)
            {
                // The structure was checked above, so a failure here is the decryption: a wrong passphrase (or bytes
                // damaged inside the ciphertext, which a passphrase check cannot tell apart).
                throw new KeyException(KeyErrorKind.WrongPassphrase, $"{source}: wrong passphrase (the key does not decrypt with it)", ex);
            }

            if (key.KeySize != 256 || key.ExportParameters(false).Curve.Oid.Value != ECCurve.NamedCurves.nistP256.Oid.Value)
            {
                throw new KeyException(KeyErrorKind.WrongUsage, $"{source}: not a P-256 key");
            }

            return key;
        }
        catch
        {
            key.Dispose();
            throw;
        }
    }

    /// <summary>The DER of the one ENCRYPTED PRIVATE KEY block, checked to be PBES2 with PBKDF2 and a bounded iteration count.</summary>
    private static byte[] ReadEncryptedPkcs8(string pem, string source)
    {
        if (!PemEncoding.TryFind(pem, out PemFields fields))
        {
            throw new KeyException(KeyErrorKind.Malformed, $"{source}: no PEM block");
        }

        string label = pem[fields.Label];
        if (label != "ENCRYPTED PRIVATE KEY")
        {
            throw new KeyException(KeyErrorKind.Malformed, label is "PRIVATE KEY" or "EC PRIVATE KEY"
                ? $"{source}: the private key is not encrypted ({label}); keys at rest must be encrypted PKCS#8"
                : $"{source}: expected an ENCRYPTED PRIVATE KEY PEM block, found '{label}'");
        }

        byte[] der = Convert.FromBase64String(pem[fields.Base64Data]);
        try
        {
            var reader = new AsnReader(der, AsnEncodingRules.DER);
            AsnReader info = reader.ReadSequence();
            reader.ThrowIfNotEmpty();
            AsnReader algorithm = info.ReadSequence();
            string oid = algorithm.ReadObjectIdentifier();
            if (oid != Pbes2Oid)
            {
                throw new KeyException(KeyErrorKind.Malformed, $"{source}: the key is encrypted with {oid}, not PBES2");
            }

            AsnReader pbes2 = algorithm.ReadSequence();
            AsnReader kdf = pbes2.ReadSequence();
            if (kdf.ReadObjectIdentifier() != Pbkdf2Oid)
            {
                throw new KeyException(KeyErrorKind.Malformed, $"{source}: the key's passphrase derivation is not PBKDF2");
            }

            AsnReader kdfParameters = kdf.ReadSequence();
            kdfParameters.ReadOctetString();
            if (!kdfParameters.TryReadInt32(out int iterations) || iterations < 1 || iterations > MaximumIterations)
            {
                throw new KeyException(KeyErrorKind.Malformed, $"{source}: the key's PBKDF2 iteration count is out of range (1 to {MaximumIterations})");
            }

            info.ReadOctetString();
            info.ThrowIfNotEmpty();
            return der;
        }
        catch (AsnContentException ex)
        {
            throw new KeyException(KeyErrorKind.Malformed, $"{source}: the encrypted private key is not valid PKCS#8 ({ex.Message})", ex);
        }
    }
}
