using MqttHealth.Broker.Audit;
using MqttHealth.Broker.Options;
using MqttHealth.Broker.Storage;

namespace MqttHealth.Broker.Hosting;

/// <summary>
/// <c>mqtthealth-broker recover [--data DIR] [--config FILE]</c>: runs the storage's offline recovery on the data
/// directory. The directory comes from the same configuration layers as a normal run, so
/// <c>recover</c> alone works on the directory the broker is configured with.
/// </summary>
public static class RecoverCommand
{
    public static int Run(BrokerCommandLine commandLine, string contentRoot, string environmentName, TextWriter output, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(commandLine);
        ArgumentNullException.ThrowIfNull(error);
        var configuration = new ConfigurationBuilder();
        if (!BrokerConfiguration.TryAddSources(configuration, commandLine, contentRoot, environmentName, out string? sourceError))
        {
            error.WriteLine($"mqtthealth-broker: {sourceError}");
            return BrokerExitCodes.BadConfiguration;
        }

        IConfigurationRoot root;
        try
        {
            root = configuration.Build();
        }
        catch (Exception ex) when (ex is InvalidDataException or FormatException)
        {
            error.WriteLine($"mqtthealth-broker: {BrokerConfiguration.DescribeFileError(ex)}");
            return BrokerExitCodes.BadConfiguration;
        }

        if (!BrokerConfiguration.TryBind(root, out BrokerOptions options, out string? bindError))
        {
            error.WriteLine($"mqtthealth-broker: {bindError}");
            return BrokerExitCodes.BadConfiguration;
        }

        if (string.IsNullOrWhiteSpace(options.DataDirectory))
        {
            error.WriteLine($"mqtthealth-broker: {BrokerConfiguration.Describe("Broker:DataDirectory")} must not be empty");
            return BrokerExitCodes.BadConfiguration;
        }

        int exit = SqliteStoreRecovery.Run(Path.GetFullPath(options.DataDirectory), output, error);
        if (exit == BrokerExitCodes.Ok)
        {
            AuditSubmission.RecordAction(options.DataDirectory, options.Audit, UsersCommand.OperatingSystemUser(), "recover: broker.db salvaged into a fresh database (the original kept beside it)", error);
        }

        return exit;
    }
}
