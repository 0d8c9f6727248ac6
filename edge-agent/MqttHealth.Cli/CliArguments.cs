namespace MqttHealth.Cli;

/// <summary>
/// A verb's arguments: positionals, options with a value (<c>--name N</c> or <c>--name=N</c>, each at most once) and
/// switches. Anything else is an error, reported as one line.
/// </summary>
internal sealed class CliArguments
{
    private readonly Dictionary<string, string> _values = new(StringComparer.Ordinal);
    private readonly HashSet<string> _switches = new(StringComparer.Ordinal);
    private readonly List<string> _positionals = [];

    private CliArguments()
    {
    }

    public IReadOnlyList<string> Positionals => _positionals;

    public bool Help { get; private set; }

    public string? Error { get; private set; }

    public static CliArguments Parse(IReadOnlyList<string> args, IReadOnlyCollection<string> valueOptions, IReadOnlyCollection<string> switches)
    {
        var result = new CliArguments();
        for (int i = 0; i < args.Count; i++)
        {
            string arg = args[i];
            if (arg is "-h" or "-?" or "--help")
            {
                result.Help = true;
                continue;
            }

            if (!arg.StartsWith("--", StringComparison.Ordinal))
            {
                result._positionals.Add(arg);
                continue;
            }

            int equals = arg.IndexOf('=', StringComparison.Ordinal);
            string name = equals < 0 ? arg : arg[..equals];
            string? value = equals < 0 ? null : arg[(equals + 1)..];
            if (switches.Contains(name))
            {
                if (value is not null)
                {
                    return result.Fail($"option '{name}' takes no value");
                }

                result._switches.Add(name);
                continue;
            }

            if (name == "--passphrase" || name == "--ca-passphrase")
            {
                return result.Fail($"passphrases are never command-line arguments (they end up in shell history and process lists): use {name}-file FILE or standard input");
            }

            if (!valueOptions.Contains(name))
            {
                return result.Fail($"unknown option '{name}'");
            }

            if (value is null)
            {
                if (i + 1 >= args.Count || args[i + 1].StartsWith("--", StringComparison.Ordinal))
                {
                    return result.Fail($"option '{name}' needs a value");
                }

                value = args[++i];
            }

            if (!result._values.TryAdd(name, value))
            {
                return result.Fail($"option '{name}' is given twice");
            }
        }

        return result;
    }

    public string? Value(string name) => _values.GetValueOrDefault(name);

    public bool Has(string name) => _switches.Contains(name) || _values.ContainsKey(name);

    private CliArguments Fail(string error)
    {
        Error = error;
        return this;
    }
}
