namespace MqttHealth.EdgeAgent.Hosting;

/// <summary>The <c>--help</c> text.</summary>
public static class AgentUsage
{
    public static void Write(TextWriter output)
    {
        output.WriteLine($"Usage: {AgentProgram.Name} [run] [--config FILE] [options] [--Agent:Section:Key=value ...]");
        output.WriteLine($"       {AgentProgram.Name} status [--config FILE] [--data DIR]");
        output.WriteLine();
        output.WriteLine("The edge agent: accepts readings (stdin, a Unix socket, HTTP on loopback, the built-in simulator), stores them durably, seals them");
        output.WriteLine("per device and publishes them to the broker over one persistent MQTT 5 connection. See docs/edge-agent.md.");
        output.WriteLine();
        output.WriteLine("Options (shorthands for settings; every setting can be given as --Agent:Key=value):");
        foreach ((string flag, string key, bool hasValue, string help) in AgentCommandLine.Flags)
        {
            output.WriteLine($"  {(flag + (hasValue ? " VALUE" : "")),-22} {help} ({key})");
        }

        output.WriteLine("  --config FILE          JSON configuration file ({\"Agent\":{...}})");
        output.WriteLine();
        output.WriteLine("Environment: MQTTHEALTH_AGENT__BROKER__PORT=1883 and so on (double underscore between levels).");
        output.WriteLine("Exit codes: 0 stopped normally, 1 failure, 2 bad command line or configuration (the message names the setting).");
    }
}
