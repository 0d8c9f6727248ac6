namespace MqttHealth.EdgeAgent.Hosting;

/// <summary>The agent's exit codes (docs/edge-agent.md).</summary>
public static class AgentExitCodes
{
    public const int Ok = 0;

    /// <summary>A failure while running, or the outbox could not be opened.</summary>
    public const int Failure = 1;

    /// <summary>Bad command line or configuration: the message names the setting.</summary>
    public const int BadConfiguration = 2;
}
