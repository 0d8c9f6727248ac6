using System.Security.Cryptography;

namespace MqttHealth.Payloads.Envelope;

/// <summary>
/// One AEAD operation with a message's own key. .NET offers no way to re-key an AesGcm or ChaCha20Poly1305, and the
/// ratchet gives every message its own key, so each seal and open creates the context for its key and disposes it at
/// once (measured in docs/envelope.md: the only allocation of a seal or open, 32 bytes).
/// </summary>
internal static class MessageAead
{
    public static bool IsSupported(EnvelopeSuite suite) => suite switch
    {
        EnvelopeSuite.Aes256Gcm => AesGcm.IsSupported,
        EnvelopeSuite.ChaCha20Poly1305 => ChaCha20Poly1305.IsSupported,
        _ => false,
    };

    /// <summary>Encrypts <paramref name="body"/> in place and writes the tag.</summary>
    public static void Seal(EnvelopeSuite suite, ReadOnlySpan<byte> key, ReadOnlySpan<byte> nonce, Span<byte> body, Span<byte> tag, ReadOnlySpan<byte> associatedData)
    {
        if (suite == EnvelopeSuite.ChaCha20Poly1305)
        {
            using var chacha = new ChaCha20Poly1305(key);
            chacha.Encrypt(nonce, body, body, tag, associatedData);
        }
        else
        {
            using var aes = new AesGcm(key, EnvelopeConstants.TagLength);
            aes.Encrypt(nonce, body, body, tag, associatedData);
        }
    }

    /// <summary>Decrypts into <paramref name="plaintext"/> (same length as the ciphertext); false when the tag does not verify.</summary>
    public static bool Open(EnvelopeSuite suite, ReadOnlySpan<byte> key, ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> ciphertext, ReadOnlySpan<byte> tag, Span<byte> plaintext, ReadOnlySpan<byte> associatedData)
    {
        try
        {
            if (suite == EnvelopeSuite.ChaCha20Poly1305)
            {
                using var chacha = new ChaCha20Poly1305(key);
                chacha.Decrypt(nonce, ciphertext, tag, plaintext, associatedData);
            }
            else
            {
                using var aes = new AesGcm(key, EnvelopeConstants.TagLength);
                aes.Decrypt(nonce, ciphertext, tag, plaintext, associatedData);
            }

            return true;
        }
        catch (AuthenticationTagMismatchException)
        {
            return false;
        }
    }
}
