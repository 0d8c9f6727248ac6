using MqttHealth.Broker.Options;
using MqttHealth.Broker.Security.Authentication;

namespace MqttHealth.Broker.Hosting;

/// <summary>
/// The arguments after a tool verb (<c>users</c>, <c>audit</c>): positionals, the verb's own
/// options, and the options every verb shares with a normal run: <c>--data DIR</c>, <c>--config FILE</c> and raw
/// <c>--Section:Key VALUE</c> settings, which <see cref="ToCommandLine"/> turns into the usual configuration layers.
/// </summary>
public sealed class BrokerVerbArguments
{
    private readonly Dictionary<string, List<string>> _values = new(StringComparer.Ordinal);
    private readonly HashSet<string> _switches = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string?> _settings = new(StringComparer.OrdinalIgnoreCase);
    private readonly List<string> _positionals = [];
    private string? _configFile;

    private BrokerVerbArguments()
    {
    }

    public IReadOnlyList<string> Positionals => _positionals;

    /// <summary>True for <c>--help</c>, <c>-h</c> or <c>-?</c> anywhere.</summary>
    public bool Help { get; private set; }

    /// <summary>Why the arguments are unusable (one line), or null.</summary>
    public string? Error { get; private set; }

    /// <summary>
    /// Parses <paramref name="args"/>. <paramref name="valueOptions"/> take a value (<c>--role R</c> or <c>--role=R</c>, repeatable);
    /// <paramref name="switches"/> take none. <c>--data</c>, <c>--config</c> and <c>--Section:Key</c> are always accepted.
    /// </summary>
    public static BrokerVerbArguments Parse(IReadOnlyList<string> args, IReadOnlyCollection<string> valueOptions, IReadOnlyCollection<string> switches)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(valueOptions);
        ArgumentNullException.ThrowIfNull(switches);
        var result = new BrokerVerbArguments();
        for (int i = 0; i < args.Count; i++)
        {
            string arg = args[i];
            if (arg is "-h" or "-?" or "--help")
            {
                result.Help = true;
                continue;
            }

            if (!arg.StartsWith("--", StringComparison.Ordinal) || arg.Length == 2)
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

            bool isSetting = name.Contains(':', StringComparison.Ordinal);
            if (!isSetting && name is not ("--data" or "--config") && !valueOptions.Contains(name))
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

            if (isSetting)
            {
                result._settings[name[2..]] = value;
            }
            else if (name == "--data")
            {
                result._settings["Broker:DataDirectory"] = value;
            }
            else if (name == "--config")
            {
                result._configFile = value;
            }
            else
            {
                if (!result._values.TryGetValue(name, out List<string>? list))
                {
                    result._values[name] = list = [];
                }

                list.Add(value);
            }
        }

        return result;
    }

    /// <summary>Every value given for <paramref name="option"/>, in order.</summary>
    public IReadOnlyList<string> Values(string option) => _values.TryGetValue(option, out List<string>? list) ? list : [];

    public bool Has(string option) => _switches.Contains(option);

    /// <summary>A command line carrying the shared options, for <see cref="BrokerConfiguration.TryAddSources"/>.</summary>
    public BrokerCommandLine ToCommandLine(BrokerCommand command) => BrokerCommandLine.ForVerb(command, _settings, _configFile);

    private BrokerVerbArguments Fail(string error)
    {
        Error = error;
        return this;
    }

    /// <summary>
    /// The broker's options as a normal run would see them (appsettings.json, environment, <c>--config</c>, then this
    /// verb's <c>--data</c> and <c>--Section:Key</c> settings), for a verb that works on the data directory.
    /// </summary>
    public bool TryLoadOptions(BrokerCommand command, string contentRoot, string environmentName, out BrokerOptions options, out string? error)
    {
        options = new BrokerOptions();
        var configuration = new ConfigurationBuilder();
        if (!BrokerConfiguration.TryAddSources(configuration, ToCommandLine(command), contentRoot, environmentName, out error))
        {
            return false;
        }

        IConfigurationRoot root;
        try
        {
            root = configuration.Build();
        }
        catch (Exception ex) when (ex is InvalidDataException or FormatException)
        {
            error = BrokerConfiguration.DescribeFileError(ex);
            return false;
        }

        if (!BrokerConfiguration.TryBind(root, out options, out error))
        {
            return false;
        }

        if (string.IsNullOrWhiteSpace(options.DataDirectory))
        {
            error = $"{BrokerConfiguration.Describe("Broker:DataDirectory")} must not be empty";
            return false;
        }

        if (options.Security.PasswordIterations is < 1 or > PasswordHasher.MaximumIterations)
        {
            error = $"Broker:Security:PasswordIterations must be between 1 and {PasswordHasher.MaximumIterations}, not {options.Security.PasswordIterations}";
            return false;
        }

        return true;
    }
}
