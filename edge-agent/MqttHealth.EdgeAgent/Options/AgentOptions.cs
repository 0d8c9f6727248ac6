namespace MqttHealth.EdgeAgent.Options;

/// <summary>
/// The <c>Agent</c> configuration section: every setting, its default and meaning is in docs/edge-agent.md.
/// Layers, later wins: the <c>--config</c> JSON file, environment variables <c>MQTTHEALTH_AGENT__…</c>, the command line.
/// </summary>
public sealed class AgentOptions
{
    public const string SectionName = "Agent";

    /// <summary>The outbox database (<c>outbox.db</c>) and the senders' state files (<c>senders/</c>).</summary>
    public string DataDirectory { get; set; } = "agent-data";

    public BrokerConnectionOptions Broker { get; set; } = new();

    public IdentityOptions Identity { get; set; } = new();

    public InputOptions Inputs { get; set; } = new();

    public SimulatorOptions Simulator { get; set; } = new();

    public BatchingOptions Batching { get; set; } = new();

    public OutboxOptions Outbox { get; set; } = new();

    public StatusOptions Status { get; set; } = new();

    /// <summary>How long a graceful stop (SIGTERM, Ctrl+C) may take before the host gives up waiting.</summary>
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(10);
}
