using MqttHealth.EdgeAgent.Outbox;
using MqttHealth.Payloads.Clinical.V1;

namespace MqttHealth.EdgeAgent.Inputs;

/// <summary>A parsed reading on its way to disk; <see cref="Outcome"/> completes once it is stored (or refused).</summary>
public sealed record IntakeRequest(string Device, OutboxPriority Priority, ClinicalPayload Payload, TaskCompletionSource<AcceptOutcome> Outcome);
