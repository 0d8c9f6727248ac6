using MqttHealth.EdgeAgent.Options;

namespace MqttHealth.EdgeAgent.Hosting;

/// <summary>
/// The configuration layers, later wins: the <c>--config</c> JSON file, environment variables prefixed
/// <c>MQTTHEALTH_</c> (<c>MQTTHEALTH_AGENT__BROKER__PORT=1884</c> is <c>Agent:Broker:Port</c>), the command line. The
/// <c>Agent</c> section is bound strictly: an unknown key or a value of the wrong type is an error naming it.
/// </summary>
public static class AgentConfiguration
{
    public const string EnvironmentPrefix = "MQTTHEALTH_";

    /// <summary>Builds and binds; throws <see cref="AgentConfigurationException"/> with one line an operator can act on.</summary>
    public static AgentOptions Load(AgentCommandLine commandLine)
    {
        var builder = new ConfigurationBuilder();
        if (commandLine.ConfigFile is { } file)
        {
            string full = Path.GetFullPath(file);
            if (!File.Exists(full))
            {
                throw new AgentConfigurationException($"configuration file '{full}' (--config) does not exist");
            }

            builder.AddJsonFile(full, optional: false, reloadOnChange: false);
        }

        builder.AddEnvironmentVariables(EnvironmentPrefix);
        builder.AddInMemoryCollection(commandLine.Settings);
        IConfigurationRoot configuration;
        try
        {
            configuration = builder.Build();
        }
        catch (Exception ex) when (ex is InvalidDataException or FormatException)
        {
            throw new AgentConfigurationException(OneLine(ex), ex);
        }

        var options = new AgentOptions();
        try
        {
            configuration.GetSection(AgentOptions.SectionName).Bind(options, binder => binder.ErrorOnUnknownConfiguration = true);
        }
        catch (InvalidOperationException ex)
        {
            // The binder names the key ("...value at 'Agent:Broker:Port' to type 'System.Int32'") or the unknown properties.
            throw new AgentConfigurationException(OneLine(ex), ex);
        }

        return options;
    }

    private static string OneLine(Exception exception)
    {
        var parts = new List<string>();
        for (Exception? current = exception; current is not null && parts.Count < 3; current = current.InnerException)
        {
            parts.Add(current.Message);
        }

        return string.Join(" ", parts).ReplaceLineEndings(" ").Trim();
    }
}
