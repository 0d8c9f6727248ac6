namespace MqttHealth.EdgeAgent.Options;

/// <summary>How vitals are consolidated (<c>Agent:Batching</c>). Alarms are never batched and never wait.</summary>
public sealed class BatchingOptions
{
    /// <summary>The window while the link keeps up: 0 seals each reading on its own (a sample set).</summary>
    public TimeSpan MinWindow { get; set; } = TimeSpan.Zero;

    /// <summary>
    /// The window while the link is down or behind: readings of a device are sealed together (a sample batch). It also
    /// bounds how long accepted readings stay on disk in the clear before they are sealed.
    /// </summary>
    public TimeSpan MaxWindow { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>The most sample sets in one batch.</summary>
    public int MaxBatchSets { get; set; } = 120;

    /// <summary>Queued vitals envelopes above which the link counts as behind (the window grows); at 0 it shrinks again.</summary>
    public int BacklogThreshold { get; set; } = 8;
}
