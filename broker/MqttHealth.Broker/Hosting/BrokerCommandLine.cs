namespace MqttHealth.Broker.Hosting;

/// <summary>
/// The parsed command line: <c>mqtthealth-broker [options]</c> or <c>mqtthealth-broker recover [--data DIR]</c>.
/// </summary>
/// <remarks>
/// Parsed here rather than by the configuration's command-line provider because that provider needs a value
/// after every key (so the bare <c>--allow-anonymous</c> would swallow the next argument) and accepts any
/// unknown flag silently. Besides the flags in <see cref="Flags"/>, any configuration key may be given as
/// <c>--Section:Key VALUE</c> or <c>--Section:Key=VALUE</c> (for example <c>--Broker:MaxQueuedMessages 500</c>
/// or <c>--Logging:LogLevel:Default Debug</c>); unknown keys in the Broker section are refused when options are bound.
/// </remarks>
public sealed class BrokerCommandLine
{
    public const string RecoverVerb = "recover";

    /// <summary>
    /// Verbs whose arguments are parsed by the verb itself (<see cref="VerbArguments"/>, usually with
    /// <see cref="BrokerVerbArguments"/>), not by this class. A new tool verb is one line here, a
    /// <see cref="BrokerCommand"/> value and a case in <see cref="BrokerProgram"/>.
    /// </summary>
    public static IReadOnlyDictionary<string, BrokerCommand> ToolVerbs { get; } = new Dictionary<string, BrokerCommand>(StringComparer.Ordinal)
    {
        [UsersCommand.Verb] = BrokerCommand.Users,
        [AuditVerb.Verb] = BrokerCommand.Audit,
        [BreakGlassVerb.Verb] = BrokerCommand.BreakGlass,
    };

    /// <summary>Every named option, in the order <c>--help</c> lists them.</summary>
    public static IReadOnlyList<BrokerFlag> Flags { get; } =
    [
        new("--port", "Broker:Port", "N", "MQTT over TCP (default 1883; 0 = off)"),
        new("--tls-port", "Broker:TlsPort", "N", "MQTT over TLS 1.2/1.3 (default 8883; 0 = off)"),
        new("--ws-port", "Broker:WebSocketPort", "N", "MQTT over WebSocket at /mqtt, subprotocol mqtt (default 8083; 0 = off)"),
        new("--admin-port", "Broker:AdminPort", "N", "admin HTTP port: /healthz, /metrics (default 18083; 0 = off)"),
        new("--bind", "Broker:BindAddress", "ADDRESS", "IP address the MQTT listeners bind to (default 0.0.0.0)"),
        new("--admin-bind", "Broker:AdminBindAddress", "ADDRESS", "IP address the admin port binds to (default 127.0.0.1)"),
        new("--data", "Broker:DataDirectory", "DIR", "data directory: broker.db, development TLS certificate (default ./data)", AllowedWithRecover: true),
        new("--storage", "Broker:Storage", "KIND", "sqlite (durable, default) or memory (nothing survives a restart)"),
        new("--allow-anonymous", "Broker:AllowAnonymous", null, "accept clients without credentials (development only)"),
        new("--tls-cert", "Broker:Tls:CertificatePath", "FILE", "PEM server certificate (chain) (default: a generated development certificate)"),
        new("--tls-key", "Broker:Tls:KeyPath", "FILE", "PEM private key of --tls-cert (default: read from the --tls-cert file)"),
        new("--tls-client-certs", "Broker:Tls:ClientCertificates", "MODE", "client certificates: none (default), optional or required"),
        new("--tls-client-ca", "Broker:Tls:ClientCaPath", "FILE", "PEM CA certificate(s) client certificates must chain to"),
        new("--tls-client-crl", "Broker:Tls:ClientCrlFile", "FILE", "PEM or DER CRL(s) of the client CAs; re-read when it changes"),
        new("--max-packet-size", "Broker:MaximumPacketSize", "BYTES", "largest packet accepted (default 1048576)"),
        new("--max-queued", "Broker:MaxQueuedMessages", "N", "messages queued per session before the overflow policy applies (default 10000)"),
        new("--sys-interval", "Broker:SysIntervalSeconds", "SECONDS", "how often $SYS topics are published (default 10; 0 = off)"),
        new("--config", null, "FILE", "extra JSON configuration file, layered after appsettings.json", AllowedWithRecover: true),
        new("--help", null, null, "print this help and exit", AllowedWithRecover: true),
        new("--version", null, null, "print the version and exit"),
    ];

    private BrokerCommandLine(BrokerCommand command, Dictionary<string, string?> settings, string? configFile, string? error)
    {
        Command = command;
        Settings = settings;
        ConfigFile = configFile;
        Error = error;
    }

    public BrokerCommand Command { get; }

    /// <summary>For a tool verb (<see cref="ToolVerbs"/>): the arguments after it, unparsed. Empty otherwise.</summary>
    public IReadOnlyList<string> VerbArguments { get; private init; } = [];

    /// <summary>Configuration keys set on the command line (the last layer, overriding everything else).</summary>
    public IReadOnlyDictionary<string, string?> Settings { get; }

    /// <summary>The <c>--config</c> file, as given.</summary>
    public string? ConfigFile { get; }

    /// <summary>Why the command line is unusable (one line), or null.</summary>
    public string? Error { get; }

    public static BrokerCommandLine Parse(IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var settings = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        string? configFile = null;
        var command = BrokerCommand.Run;
        bool help = false;
        bool version = false;
        int index = 0;
        if (args.Count > 0 && ToolVerbs.TryGetValue(args[0], out BrokerCommand toolCommand))
        {
            return new BrokerCommandLine(toolCommand, settings, null, null) { VerbArguments = [.. args.Skip(1)] };
        }

        if (args.Count > 0 && args[0] == RecoverVerb)
        {
            command = BrokerCommand.Recover;
            index = 1;
        }

        while (index < args.Count)
        {
            string arg = args[index++];
            if (arg is "-h" or "-?")
            {
                help = true;
                continue;
            }

            if (!arg.StartsWith("--", StringComparison.Ordinal) || arg.Length == 2)
            {
                string hint = arg == RecoverVerb ? " (the recover verb must come first)" : string.Empty;
                return Fail($"unexpected argument '{arg}'{hint}");
            }

            int equals = arg.IndexOf('=', StringComparison.Ordinal);
            string name = equals < 0 ? arg : arg[..equals];
            string? inlineValue = equals < 0 ? null : arg[(equals + 1)..];

            // --Section:Key VALUE: a raw configuration key, for settings without a flag of their own.
            if (name.Contains(':', StringComparison.Ordinal))
            {
                if (!TryTakeValue(name, "VALUE", inlineValue, args, ref index, out string? raw, out string? missing))
                {
                    return Fail(missing);
                }

                settings[name[2..]] = raw;
                continue;
            }

            BrokerFlag? flag = Find(name);
            if (flag is null)
            {
                return Fail($"unknown option '{name}'");
            }

            if (command == BrokerCommand.Recover && !flag.AllowedWithRecover)
            {
                return Fail($"option '{name}' does not apply to {RecoverVerb}");
            }

            if (flag.IsSwitch)
            {
                switch (flag.Name)
                {
                    case "--help":
                        help = true;
                        break;
                    case "--version":
                        version = true;
                        break;
                    default:
                        // A bare switch means true; --allow-anonymous=false is accepted for scripts.
                        settings[flag.ConfigurationKey!] = inlineValue ?? "true";
                        break;
                }

                if (inlineValue is not null && flag.ConfigurationKey is null)
                {
                    return Fail($"option '{name}' takes no value");
                }

                continue;
            }

            if (!TryTakeValue(name, flag.ValueName!, inlineValue, args, ref index, out string? value, out string? error))
            {
                return Fail(error);
            }

            if (flag.ConfigurationKey is null)
            {
                configFile = value;
            }
            else
            {
                settings[flag.ConfigurationKey] = value;
            }
        }

        if (help)
        {
            command = BrokerCommand.Help;
        }
        else if (version)
        {
            command = BrokerCommand.Version;
        }

        return new BrokerCommandLine(command, settings, configFile, null);

        BrokerCommandLine Fail(string message) => new(command, settings, configFile, message);
    }

    /// <summary>A command line for a tool verb's configuration: its settings (the last layer) and <c>--config</c> file.</summary>
    public static BrokerCommandLine ForVerb(BrokerCommand command, IReadOnlyDictionary<string, string?> settings, string? configFile)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return new BrokerCommandLine(command, new Dictionary<string, string?>(settings, StringComparer.OrdinalIgnoreCase), configFile, null);
    }

    /// <summary>The flag that sets <paramref name="configurationKey"/>, for error messages (<c>Broker:Port</c> → <c>--port</c>).</summary>
    public static BrokerFlag? FindByConfigurationKey(string configurationKey)
    {
        foreach (BrokerFlag flag in Flags)
        {
            if (string.Equals(flag.ConfigurationKey, configurationKey, StringComparison.OrdinalIgnoreCase))
            {
                return flag;
            }
        }

        return null;
    }

    private static BrokerFlag? Find(string name)
    {
        foreach (BrokerFlag flag in Flags)
        {
            if (flag.Name == name)
            {
                return flag;
            }
        }

        return null;
    }

    private static bool TryTakeValue(string name, string valueName, string? inlineValue, IReadOnlyList<string> args, ref int index, out string? value, out string error)
    {
        error = string.Empty;
        if (inlineValue is not null)
        {
            value = inlineValue;
            return true;
        }

        // A following "--x" is the next option, not this one's value (a forgotten value must not eat a flag).
        if (index < args.Count && !args[index].StartsWith("--", StringComparison.Ordinal))
        {
            value = args[index++];
            return true;
        }

        value = null;
        error = $"option '{name}' needs a value ({valueName})";
        return false;
    }
}
