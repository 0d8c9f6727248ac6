using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace MqttHealth.Payloads.Keys;

/// <summary>One recipient's entry in an epoch announcement: the epoch secret wrapped for one identity key.</summary>
public sealed record WrappedEpochSecret(string KeyId, byte[] EphemeralPublicKey, byte[] Nonce, byte[] WrappedSecret)
{
    /// <summary>Uncompressed SEC1 P-256 point: 0x04 || X || Y.</summary>
    public const int EphemeralPublicKeyLength = 65;

    public const int NonceLength = 12;

    /// <summary>AES-256-GCM ciphertext of the 32-byte secret followed by its 16-byte tag.</summary>
    public const int WrappedSecretLength = EpochKeyWrap.SecretLength + 16;

    /// <summary>Bytes of one entry in the signed encoding: key id, ephemeral key, nonce, wrapped secret.</summary>
    public const int EncodedLength = KeyIds.Length + EphemeralPublicKeyLength + NonceLength + WrappedSecretLength;
}

/// <summary>
/// Wrapping an epoch secret for one recipient, HPKE-style with P-256: a fresh ephemeral ECDH key pair per recipient
/// and epoch; Z = the x coordinate of ECDH(ephemeral, recipient identity key); key = HKDF-SHA256(IKM = Z,
/// salt = "mqtthealth/v1/epoch-wrap/salt" || ctx, info = "mqtthealth/v1/epoch-wrap/key" || ctx, L = 32);
/// AES-256-GCM(key, random 12-byte nonce, secret, AD = "mqtthealth/v1/epoch-wrap/ad" || ctx), where
/// ctx = u16 len(sender) || sender (UTF-8) || u32 epoch || key id (8 bytes) || ephemeral public key (65 bytes),
/// integers big-endian. See docs/keys.md.
/// </summary>
public static class EpochKeyWrap
{
    /// <summary>The epoch secret's length.</summary>
    public const int SecretLength = 32;

    public const string SaltLabel = "mqtthealth/v1/epoch-wrap/salt";
    public const string InfoLabel = "mqtthealth/v1/epoch-wrap/key";
    public const string AssociatedDataLabel = "mqtthealth/v1/epoch-wrap/ad";

    private const int MaximumSenderBytes = 256;

    /// <summary>Wraps <paramref name="secret"/> for the holder of <paramref name="recipient"/>'s key.</summary>
    public static WrappedEpochSecret Wrap(string senderId, uint epoch, ReadOnlySpan<byte> secret, X509Certificate2 recipient)
    {
        ArgumentNullException.ThrowIfNull(recipient);
        using ECDiffieHellman? recipientKey = recipient.GetECDiffieHellmanPublicKey();
        if (recipientKey is null || recipientKey.KeySize != 256)
        {
            throw new KeyException(KeyErrorKind.WrongUsage, $"recipient '{recipient.Subject}': not a P-256 key");
        }

        return Wrap(senderId, epoch, secret, recipientKey, KeyIds.Of(recipient));
    }

    internal static WrappedEpochSecret Wrap(string senderId, uint epoch, ReadOnlySpan<byte> secret, ECDiffieHellman recipientKey, string keyId)
    {
        using var ephemeral = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);
        return Wrap(senderId, epoch, secret, recipientKey, keyId, ephemeral, RandomNumberGenerator.GetBytes(WrappedEpochSecret.NonceLength));
    }

    /// <summary>The wrap with a given ephemeral key and nonce: for the test vectors only (both must be fresh otherwise).</summary>
    internal static WrappedEpochSecret Wrap(string senderId, uint epoch, ReadOnlySpan<byte> secret, ECDiffieHellman recipientKey, string keyId, ECDiffieHellman ephemeral, byte[] nonce)
    {
        if (secret.Length != SecretLength)
        {
            throw new ArgumentException($"an epoch secret is {SecretLength} bytes", nameof(secret));
        }

        byte[] ephemeralPublic = EncodePoint(ephemeral.ExportParameters(false));
        byte[] z = ephemeral.DeriveRawSecretAgreement(recipientKey.PublicKey);
        byte[] wrapped = new byte[WrappedEpochSecret.WrappedSecretLength];
        byte[] ctx = Context(senderId, epoch, Convert.FromHexString(keyId), ephemeralPublic);
        Span<byte> key = stackalloc byte[32];
        try
        {
            DeriveKey(z, ctx, key);
            using var gcm = new AesGcm(key, 16);
            gcm.Encrypt(nonce, secret, wrapped.AsSpan(0, SecretLength), wrapped.AsSpan(SecretLength), Labelled(AssociatedDataLabel, ctx));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(z);
            CryptographicOperations.ZeroMemory(key);
        }

        return new WrappedEpochSecret(keyId, ephemeralPublic, nonce, wrapped);
    }

    /// <summary>
    /// Unwraps an entry with the recipient's identity. Throws <see cref="KeyException"/> (<see cref="KeyErrorKind.UnwrapFailed"/>)
    /// when the entry was altered, was wrapped under another sender id or epoch, or is not for this key.
    /// </summary>
    public static byte[] Unwrap(string senderId, uint epoch, WrappedEpochSecret entry, KeyIdentity recipient)
    {
        ArgumentNullException.ThrowIfNull(entry);
        ArgumentNullException.ThrowIfNull(recipient);
        if (!string.Equals(entry.KeyId, recipient.KeyId, StringComparison.Ordinal))
        {
            throw new KeyException(KeyErrorKind.NotARecipient, $"the entry is for key {entry.KeyId}, not for '{recipient.Name}' (key {recipient.KeyId})");
        }

        byte[] z;
        try
        {
            using ECDiffieHellman ephemeral = ECDiffieHellman.Create(DecodePoint(entry.EphemeralPublicKey));
            z = recipient.AgreementKey.DeriveRawSecretAgreement(ephemeral.PublicKey);
        }
        catch (CryptographicException ex)
        {
            throw new KeyException(KeyErrorKind.UnwrapFailed, $"epoch {epoch} of '{senderId}': the ephemeral public key is not a P-256 point", ex);
        }

        byte[] ctx = Context(senderId, epoch, Convert.FromHexString(entry.KeyId), entry.EphemeralPublicKey);
        byte[] secret = new byte[SecretLength];
        Span<byte> key = stackalloc byte[32];
        try
        {
            DeriveKey(z, ctx, key);
            using var gcm = new AesGcm(key, 16);
            gcm.Decrypt(entry.Nonce, entry.WrappedSecret.AsSpan(0, SecretLength), entry.WrappedSecret.AsSpan(SecretLength), secret, Labelled(AssociatedDataLabel, ctx));
            return secret;
        }
        catch (AuthenticationTagMismatchException ex)
        {
            throw new KeyException(KeyErrorKind.UnwrapFailed, $"epoch {epoch} of '{senderId}': the wrapped secret for key {entry.KeyId} does not decrypt (altered, or not wrapped for this key)", ex);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(z);
            CryptographicOperations.ZeroMemory(key);
        }
    }

    /// <summary>ctx = u16 len(sender) || sender UTF-8 || u32 epoch || key id (8) || ephemeral public key (65).</summary>
    internal static byte[] Context(string senderId, uint epoch, ReadOnlySpan<byte> keyId, ReadOnlySpan<byte> ephemeralPublic)
    {
        ArgumentNullException.ThrowIfNull(senderId);
        int senderLength = Encoding.UTF8.GetByteCount(senderId);
        if (senderLength is 0 or > MaximumSenderBytes)
        {
            throw new ArgumentException($"a sender id is 1 to {MaximumSenderBytes} UTF-8 bytes", nameof(senderId));
        }

        if (keyId.Length != KeyIds.Length || ephemeralPublic.Length != WrappedEpochSecret.EphemeralPublicKeyLength)
        {
            throw new KeyException(KeyErrorKind.Malformed, "a key id is 8 bytes and an ephemeral public key 65");
        }

        byte[] ctx = new byte[2 + senderLength + 4 + KeyIds.Length + WrappedEpochSecret.EphemeralPublicKeyLength];
        BinaryPrimitives.WriteUInt16BigEndian(ctx, (ushort)senderLength);
        int at = 2 + Encoding.UTF8.GetBytes(senderId, ctx.AsSpan(2));
        BinaryPrimitives.WriteUInt32BigEndian(ctx.AsSpan(at), epoch);
        at += 4;
        keyId.CopyTo(ctx.AsSpan(at));
        at += KeyIds.Length;
        ephemeralPublic.CopyTo(ctx.AsSpan(at));
        return ctx;
    }

    internal static byte[] Labelled(string label, ReadOnlySpan<byte> ctx)
    {
        byte[] result = new byte[label.Length + ctx.Length];
        Encoding.ASCII.GetBytes(label, result);
        ctx.CopyTo(result.AsSpan(label.Length));
        return result;
    }

    private static void DeriveKey(ReadOnlySpan<byte> z, byte[] ctx, Span<byte> key) =>
        HKDF.DeriveKey(HashAlgorithmName.SHA256, z, key, Labelled(SaltLabel, ctx), Labelled(InfoLabel, ctx));

    internal static byte[] EncodePoint(ECParameters parameters)
    {
        byte[] point = new byte[WrappedEpochSecret.EphemeralPublicKeyLength];
        point[0] = 0x04;
        parameters.Q.X.AsSpan().CopyTo(point.AsSpan(1, 32));
        parameters.Q.Y.AsSpan().CopyTo(point.AsSpan(33, 32));
        return point;
    }

    private static ECParameters DecodePoint(byte[] point)
    {
        if (point.Length != WrappedEpochSecret.EphemeralPublicKeyLength || point[0] != 0x04)
        {
            throw new CryptographicException("not an uncompressed P-256 point");
        }

        var parameters = new ECParameters
        {
            Curve = ECCurve.NamedCurves.nistP256,
            Q = new ECPoint { X = point[1..33], Y = point[33..65] },
        };
        parameters.Validate();
        return parameters;
    }
}
