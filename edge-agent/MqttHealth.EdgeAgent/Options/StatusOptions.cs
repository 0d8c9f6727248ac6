namespace MqttHealth.EdgeAgent.Options;

/// <summary>The agent's status (<c>Agent:Status</c>): saved in the database and published as a stream.</summary>
public sealed class StatusOptions
{
    /// <summary>How often the status is saved and published.</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Publish the status (JSON, retained, QoS 1; no PHI).</summary>
    public bool Publish { get; set; } = true;

    /// <summary>The status topic; empty: <c>mhagent/v1/{clientId}/status</c>.</summary>
    public string? Topic { get; set; }
}
