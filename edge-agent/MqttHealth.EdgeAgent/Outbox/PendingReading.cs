using MqttHealth.Payloads.Clinical.V1;

namespace MqttHealth.EdgeAgent.Outbox;

/// <summary>A reading on disk that waits for its batch to be sealed (the only plaintext the agent keeps; see docs/edge-agent.md).</summary>
/// <param name="Id">Its row id: what the source's acknowledgement carries.</param>
/// <param name="Device">The device (sender id) it belongs to.</param>
/// <param name="Priority"><see cref="OutboxPriority.Alarm"/> or <see cref="OutboxPriority.Vitals"/>.</param>
/// <param name="Payload">The reading as a payload (a sample set or an alarm).</param>
/// <param name="AcceptedMs">When it was accepted (Unix ms).</param>
public sealed record PendingReading(long Id, string Device, OutboxPriority Priority, ClinicalPayload Payload, long AcceptedMs);
