namespace MqttHealth.EdgeAgent.Options;

/// <summary>The durable outbox (<c>Agent:Outbox</c>): disk budget and the expiry of stale routine data.</summary>
public sealed class OutboxOptions
{
    /// <summary>Bytes the queued data may take (payloads plus a per-row overhead). Over it, the oldest routine data is dropped; alarms never.</summary>
    public long DiskBudgetBytes { get; set; } = 256L * 1024 * 1024;

    /// <summary>Vitals older than this (since accepted) are dropped unsent; 0 keeps them until the budget needs the room.</summary>
    public TimeSpan VitalsMaxAge { get; set; } = TimeSpan.FromHours(24);

    /// <summary>Status messages older than this are dropped unsent (a newer one says more); 0: never.</summary>
    public TimeSpan StatusMaxAge { get; set; } = TimeSpan.FromHours(1);

    /// <summary>The most readings written in one transaction (group commit).</summary>
    public int GroupCommitMax { get; set; } = 1024;
}
