namespace MqttHealth.EdgeAgent.Hosting;

/// <summary>What the command line asks for.</summary>
public enum AgentCommand
{
    Run,
    Status,
    Help,
}
