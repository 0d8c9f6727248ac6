namespace MqttHealth.EdgeAgent.Outbox;

/// <summary>What the uplink sends first: lower is sooner. Within a priority, rows go in the order they were stored.</summary>
public enum OutboxPriority
{
    /// <summary>An epoch announcement (retained): before any envelope of its epoch.</summary>
    Announcement = 0,

    Alarm = 1,

    /// <summary>The agent's status stream.</summary>
    Status = 2,

    Vitals = 3,
}
