namespace MqttHealth.EdgeAgent.Outbox;

/// <summary>What became of one reading offered to the outbox: stored (with its id) or refused by the disk budget.</summary>
/// <param name="Reading">The stored reading; null when refused.</param>
/// <param name="Error">Why it was refused; null when stored.</param>
public sealed record AcceptOutcome(PendingReading? Reading, string? Error);
