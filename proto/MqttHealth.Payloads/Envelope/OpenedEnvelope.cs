namespace MqttHealth.Payloads.Envelope;

/// <summary>An opened envelope: the plaintext length written to the destination and the header it came with.</summary>
public readonly record struct OpenedEnvelope(int Length, EnvelopeHeader Header);
