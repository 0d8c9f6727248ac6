namespace MqttHealth.Payloads.Sdk;

/// <summary>
/// A message <see cref="ClinicalInbox"/> refused: its topic, a copy of its bytes (the envelope or announcement) and the
/// <see cref="ClinicalException"/> that says why.
/// </summary>
public sealed record InboxRefusal(string Topic, ReadOnlyMemory<byte> Message, ClinicalException Error);
