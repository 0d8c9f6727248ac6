using MqttHealth.Broker.Audit;

namespace MqttHealth.Broker.Hosting;

/// <summary>
/// <c>mqtthealth-broker audit verify|export ... [--data DIR] [--config FILE]</c>: the audit trail of the data directory
/// the broker's configuration names (<see cref="AuditCommand"/> does the work; this resolves the directory).
/// </summary>
public static class AuditVerb
{
    public const string Verb = "audit";

    private static readonly string[] ValueOptions = ["--public-key", "--since"];

    /// <summary>Runs <paramref name="args"/> (the arguments after <c>audit</c>).</summary>
    /// <returns>0 success; 1 verification failed or the trail cannot be read; 2 usage or configuration error.</returns>
    public static int Run(IReadOnlyList<string> args, string contentRoot, string environmentName, TextWriter output, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        BrokerVerbArguments parsed = BrokerVerbArguments.Parse(args, ValueOptions, []);
        if (parsed.Help)
        {
            output.WriteLine(AuditCommand.Usage);
            return BrokerExitCodes.Ok;
        }

        if (parsed.Error is { } parseError)
        {
            error.WriteLine($"mqtthealth-broker audit: {parseError}");
            error.Write(AuditCommand.Usage);
            return BrokerExitCodes.BadConfiguration;
        }

        if (!parsed.TryLoadOptions(BrokerCommand.Audit, contentRoot, environmentName, out var options, out string? optionsError))
        {
            error.WriteLine($"mqtthealth-broker: {optionsError}");
            return BrokerExitCodes.BadConfiguration;
        }

        var forwarded = new List<string>(parsed.Positionals);
        foreach (string option in ValueOptions)
        {
            foreach (string value in parsed.Values(option))
            {
                forwarded.Add(option);
                forwarded.Add(value);
            }
        }

        int exit = AuditCommand.Run(options.DataDirectory, forwarded, output, error);
        if (exit == BrokerExitCodes.Ok && forwarded.Count > 0 && forwarded[0] == "export")
        {
            // Reading the whole trail out is itself an access to record (after the export, so it is not in what was exported).
            AuditSubmission.RecordAction(options.DataDirectory, options.Audit, UsersCommand.OperatingSystemUser(), "audit export " + string.Join(' ', forwarded.Skip(1)), error);
        }

        return exit;
    }
}
