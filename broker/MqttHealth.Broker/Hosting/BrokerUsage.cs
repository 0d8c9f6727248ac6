namespace MqttHealth.Broker.Hosting;

/// <summary>The <c>--help</c> text, generated from <see cref="BrokerCommandLine.Flags"/> so that it lists every option.</summary>
public static class BrokerUsage
{
    public static void Write(TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(output);
        output.WriteLine("Usage:");
        output.WriteLine("  mqtthealth-broker [options]                  run the MQTT broker");
        output.WriteLine("  mqtthealth-broker recover [--data DIR]       check and repair the SQLite store offline (broker stopped)");
        output.WriteLine("  mqtthealth-broker users add|passwd|remove|list ...  manage password users (users --help)");
        output.WriteLine("  mqtthealth-broker audit verify|export ...           check or export the audit trail (audit --help)");
        output.WriteLine("  mqtthealth-broker breakglass list|review ...        emergency grants and their review (breakglass --help)");
        output.WriteLine();
        output.WriteLine("Options:");
        foreach (BrokerFlag flag in BrokerCommandLine.Flags)
        {
            string left = flag.ValueName is null ? flag.Name : $"{flag.Name} {flag.ValueName}";
            if (flag.Name == "--help")
            {
                left = "-h, --help";
            }

            output.WriteLine($"  {left,-26} {flag.Description}");
        }

        output.WriteLine($"  {"--Section:Key VALUE",-26} any configuration key, e.g. --Broker:MaxQueuedMessages 500");
        output.WriteLine();
        output.WriteLine("Configuration, later layers win: appsettings.json next to the binary, the --config file,");
        output.WriteLine($"environment variables {BrokerConfiguration.EnvironmentPrefix}Broker__<Key> (e.g. {BrokerConfiguration.EnvironmentPrefix}Broker__Port=1884), the command line.");
        output.WriteLine("Logs go to stderr. Admin port: GET /healthz, GET /metrics (Prometheus).");
        output.WriteLine();
        output.WriteLine($"Exit codes: {BrokerExitCodes.Ok} ok, {BrokerExitCodes.Failure} unexpected failure, {BrokerExitCodes.BadConfiguration} bad configuration, "
            + $"{BrokerExitCodes.StorageRefused} storage refused to open, {BrokerExitCodes.ListenFailed} a listener could not bind.");
        output.WriteLine("Documentation: docs/broker-configuration.md");
    }
}
