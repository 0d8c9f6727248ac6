namespace MqttHealth.Payloads.Envelope;

/// <summary>The AEAD of a sealed envelope: bits 5-4 of the header's first byte. Both use a 32-byte key, a 12-byte nonce and a 16-byte tag.</summary>
public enum EnvelopeSuite : byte
{
    /// <summary>AES-256-GCM (FIPS-approved; the default).</summary>
    Aes256Gcm = 0,

    /// <summary>ChaCha20-Poly1305 (RFC 8439), for devices without AES instructions.</summary>
    ChaCha20Poly1305 = 1,
}
