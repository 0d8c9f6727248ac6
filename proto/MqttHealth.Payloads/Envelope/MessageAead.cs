using MqttHealth.Payloads.Crypto;

namespace MqttHealth.Payloads.Envelope;

/// <summary>
/// One AEAD operation with a message's own key, on an OpenSSL cipher context per suite and thread that is made once
/// and re-keyed for every message (.NET's AesGcm and ChaCha20Poly1305 cannot be re-keyed, and a context per message
/// cost more than the encryption; docs/crypto.md). Allocates nothing per message.
/// </summary>
internal static class MessageAead
{
    // Per thread: a context is never used by two threads at once, whatever the callers' own locks.
    [ThreadStatic]
    private static OpenSslAead? t_aes256Gcm;

    [ThreadStatic]
    private static OpenSslAead? t_chaCha20Poly1305;

    public static bool IsSupported(EnvelopeSuite suite) => suite switch
    {
        EnvelopeSuite.Aes256Gcm => OpenSslAead.IsAes256GcmSupported,
        EnvelopeSuite.ChaCha20Poly1305 => OpenSslAead.IsChaCha20Poly1305Supported,
        _ => false,
    };

    /// <summary>Encrypts <paramref name="body"/> in place and writes the tag.</summary>
    public static void Seal(EnvelopeSuite suite, ReadOnlySpan<byte> key, ReadOnlySpan<byte> nonce, Span<byte> body, Span<byte> tag, ReadOnlySpan<byte> associatedData) =>
        Context(suite).Encrypt(key, nonce, body, body, tag, associatedData);

    /// <summary>Decrypts into <paramref name="plaintext"/> (same length as the ciphertext); false, with <paramref name="plaintext"/> cleared, when the tag does not verify.</summary>
    public static bool Open(EnvelopeSuite suite, ReadOnlySpan<byte> key, ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> ciphertext, ReadOnlySpan<byte> tag, Span<byte> plaintext, ReadOnlySpan<byte> associatedData) =>
        Context(suite).Decrypt(key, nonce, ciphertext, tag, plaintext, associatedData);

    private static OpenSslAead Context(EnvelopeSuite suite) => suite == EnvelopeSuite.ChaCha20Poly1305
        ? t_chaCha20Poly1305 ??= OpenSslAead.CreateChaCha20Poly1305()
        : t_aes256Gcm ??= OpenSslAead.CreateAes256Gcm();
}
