namespace MqttHealth.Payloads.Envelope;

/// <summary>Sizes fixed by the format (docs/envelope.md).</summary>
public static class EnvelopeConstants
{
    /// <summary>The AEAD tag, both suites.</summary>
    public const int TagLength = 16;

    /// <summary>The AEAD key, both suites.</summary>
    public const int KeyLength = 32;

    /// <summary>The AEAD nonce, both suites; derived, never sent.</summary>
    public const int NonceLength = 12;

    /// <summary>An ECDSA P-256 signature as r || s, 32 bytes each, big-endian.</summary>
    public const int SignatureLength = 64;

    /// <summary>The longest topic or sender id the associated data can carry (a 16-bit length prefix).</summary>
    public const int MaxNameLength = ushort.MaxValue;
}
