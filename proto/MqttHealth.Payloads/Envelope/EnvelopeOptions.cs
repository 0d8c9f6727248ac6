namespace MqttHealth.Payloads.Envelope;

/// <summary>How a sealer seals: the AEAD suite and the padding buckets (null turns padding off).</summary>
public sealed record EnvelopeOptions
{
    /// <summary>The defaults: AES-256-GCM with <see cref="PaddingBuckets.Default"/>.</summary>
    public static EnvelopeOptions Default { get; } = new();

    /// <summary>The AEAD; AES-256-GCM unless chosen otherwise.</summary>
    public EnvelopeSuite Suite { get; init; } = EnvelopeSuite.Aes256Gcm;

    /// <summary>The padding buckets; null seals without padding (the padded flag is then clear).</summary>
    public PaddingBuckets? Padding { get; init; } = PaddingBuckets.Default;
}
