using System.Security.Cryptography;

namespace MqttHealth.Broker.Security.Authentication.Tokens;

/// <summary>
/// One public key from the JWKS file: an EC P-256 key for ES256 or an RSA key of 2048 bits or more for RS256.
/// Verification takes a lock per key: .NET does not promise that one <see cref="ECDsa"/> or <see cref="RSA"/> object
/// may be used from several threads at once, and a check takes well under a millisecond.
/// </summary>
public sealed class JwtSigningKey
{
    private readonly Lock _lock = new();
    private readonly AsymmetricAlgorithm _key;

    private JwtSigningKey(string? keyId, JwtAlgorithm algorithm, AsymmetricAlgorithm key, int sizeInBits)
    {
        KeyId = keyId;
        Algorithm = algorithm;
        _key = key;
        SizeInBits = sizeInBits;
    }

    /// <summary>The key's <c>kid</c>, or null when it has none.</summary>
    public string? KeyId { get; }

    /// <summary>The one algorithm this key verifies (from its type: EC P-256 is ES256, RSA is RS256).</summary>
    public JwtAlgorithm Algorithm { get; }

    /// <summary>The key size: 256 for P-256, the modulus length for RSA.</summary>
    public int SizeInBits { get; }

    /// <summary>An ES256 key from the uncompressed point; throws <see cref="CryptographicException"/> when the point is not on the curve.</summary>
    public static JwtSigningKey ForEcdsa(string? keyId, byte[] x, byte[] y)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        var ecdsa = ECDsa.Create();
        try
        {
            ecdsa.ImportParameters(new ECParameters { Curve = ECCurve.NamedCurves.nistP256, Q = new ECPoint { X = x, Y = y } });
        }
        catch
        {
            ecdsa.Dispose();
            throw;
        }

        return new JwtSigningKey(keyId, JwtAlgorithm.ES256, ecdsa, 256);
    }

    /// <summary>An RS256 key from modulus and exponent (big-endian, no leading zero); throws <see cref="CryptographicException"/> when they do not import.</summary>
    public static JwtSigningKey ForRsa(string? keyId, byte[] modulus, byte[] exponent)
    {
        ArgumentNullException.ThrowIfNull(modulus);
        ArgumentNullException.ThrowIfNull(exponent);
        var rsa = RSA.Create();
        try
        {
            rsa.ImportParameters(new RSAParameters { Modulus = modulus, Exponent = exponent });
        }
        catch
        {
            rsa.Dispose();
            throw;
        }

        return new JwtSigningKey(keyId, JwtAlgorithm.RS256, rsa, rsa.KeySize);
    }

    /// <summary>True when <paramref name="signature"/> is this key's signature of <paramref name="signingInput"/>.</summary>
    public bool Verify(ReadOnlySpan<byte> signingInput, ReadOnlySpan<byte> signature)
    {
        lock (_lock)
        {
            return _key switch
            {
                // IEEE P1363 (r||s, 32 bytes each) is exactly what RFC 7518 §3.4 prescribes; a DER signature has another length and never verifies.
                ECDsa ecdsa => signature.Length == 64 && ecdsa.VerifyData(signingInput, signature, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation),
                RSA rsa => signature.Length == (SizeInBits + 7) / 8 && rsa.VerifyData(signingInput, signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1),
                _ => false,
            };
        }
    }

    public override string ToString() => $"{(KeyId is null ? "a key without kid" : $"key '{KeyId}'")} ({Algorithm}, {SizeInBits} bits)";
}
