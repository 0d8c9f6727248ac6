using System.Globalization;

namespace MqttHealth.Broker.Audit;

/// <summary>The <c>audit</c> command line: <c>verify [--public-key FILE]</c> and <c>export [--since TIME]</c>.</summary>
public static class AuditCommand
{
    public const string Usage = """
        usage: audit verify [--public-key FILE]    check every record, hash and signed checkpoint; exit 0 ok, 1 not ok
               audit export [--since TIME]         write the records as JSON lines (TIME: ISO 8601, e.g. 2026-01-31T00:00:00Z)
        """;

    /// <summary>Runs <paramref name="args"/> (without the leading <c>audit</c>) on <paramref name="dataDirectory"/>.</summary>
    /// <returns>0 success; 1 verification failed or the log cannot be read; 2 usage error.</returns>
    public static int Run(string dataDirectory, IReadOnlyList<string> args, TextWriter output, TextWriter error)
    {
        if (args.Count == 0)
        {
            return UsageError(error, "missing subcommand");
        }

        switch (args[0])
        {
            case "verify":
                string? key = null;
                if (args.Count == 3 && args[1] == "--public-key")
                {
                    key = args[2];
                }
                else if (args.Count != 1)
                {
                    return UsageError(error, $"unexpected arguments to verify: {string.Join(' ', args.Skip(1))}");
                }

                var result = AuditVerifier.Verify(dataDirectory, key);
                (result.IsValid ? output : error).WriteLine(result.ToString());
                return result.IsValid ? 0 : 1;

            case "export":
                DateTimeOffset? since = null;
                if (args.Count == 3 && args[1] == "--since")
                {
                    if (!DateTimeOffset.TryParse(args[2], CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var parsed))
                    {
                        return UsageError(error, $"--since: '{args[2]}' is not a time (ISO 8601, e.g. 2026-01-31T00:00:00Z)");
                    }

                    since = parsed;
                }
                else if (args.Count != 1)
                {
                    return UsageError(error, $"unexpected arguments to export: {string.Join(' ', args.Skip(1))}");
                }

                try
                {
                    AuditExporter.Export(dataDirectory, output, since);
                    return 0;
                }
                catch (AuditException ex)
                {
                    error.WriteLine(ex.Message);
                    return 1;
                }

            default:
                return UsageError(error, $"unknown subcommand '{args[0]}'");
        }
    }

    private static int UsageError(TextWriter error, string message)
    {
        error.WriteLine("audit: " + message);
        error.WriteLine(Usage);
        return 2;
    }
}
