namespace MqttHealth.EdgeAgent.Hosting;

/// <summary>A configuration the agent cannot start with; the message names the setting (exit code 2).</summary>
public sealed class AgentConfigurationException : Exception
{
    public AgentConfigurationException()
    {
    }

    public AgentConfigurationException(string message)
        : base(message)
    {
    }

    public AgentConfigurationException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
