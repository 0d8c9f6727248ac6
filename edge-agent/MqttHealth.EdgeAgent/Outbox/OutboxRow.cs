namespace MqttHealth.EdgeAgent.Outbox;

/// <summary>A stored outbox message, as the uplink reads it.</summary>
public sealed record OutboxRow(long Id, OutboxEntry Entry);
