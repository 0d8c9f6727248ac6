using System.Globalization;

namespace MqttHealth.EdgeAgent.Hosting;

/// <summary>
/// <c>mqtthealth-agent [run|status|help] [--config FILE] [flags] [--Agent:Section:Key=value ...]</c>. The flags are
/// shorthands for settings (<see cref="Flags"/>); any setting can also be given as <c>--Agent:Key=value</c> or
/// <c>--Agent:Key value</c>. Settings from the command line are the last configuration layer.
/// </summary>
public sealed class AgentCommandLine
{
    /// <summary>Shorthand flags: flag, the setting it sets, and whether it takes a value.</summary>
    public static readonly IReadOnlyList<(string Flag, string Key, bool HasValue, string Help)> Flags =
    [
        ("--data", "Agent:DataDirectory", true, "data directory (outbox.db, senders/)"),
        ("--broker", "Agent:Broker:Host+Port", true, "broker HOST:PORT"),
        ("--client-id", "Agent:Broker:ClientId", true, "MQTT client id"),
        ("--stdin", "Agent:Inputs:Stdin", false, "read readings from standard input"),
        ("--socket", "Agent:Inputs:SocketPath", true, "Unix domain socket for readings"),
        ("--http-port", "Agent:Inputs:HttpPort", true, "HTTP input port on loopback"),
        ("--simulate", "Agent:Simulator:Devices", true, "simulate N bedside monitors (the first N devices)"),
    ];

    private AgentCommandLine()
    {
    }

    public AgentCommand Command { get; private init; }

    public string? ConfigFile { get; private set; }

    public Dictionary<string, string?> Settings { get; } = new(StringComparer.OrdinalIgnoreCase);

    public string? Error { get; private set; }

    public static AgentCommandLine Parse(IReadOnlyList<string> args)
    {
        int start = 0;
        AgentCommand command = AgentCommand.Run;
        if (args.Count > 0 && !args[0].StartsWith('-'))
        {
            start = 1;
            switch (args[0])
            {
                case "run":
                    break;
                case "status":
                    command = AgentCommand.Status;
                    break;
                case "help":
                    command = AgentCommand.Help;
                    break;
                default:
                    return new AgentCommandLine { Error = $"unknown command '{args[0]}' (expected run, status or help)" };
            }
        }

        var line = new AgentCommandLine { Command = command };
        for (int i = start; i < args.Count; i++)
        {
            string arg = args[i];
            if (arg is "--help" or "-h")
            {
                return new AgentCommandLine { Command = AgentCommand.Help };
            }

            string name = arg;
            string? inline = null;
            int equals = arg.IndexOf('=', StringComparison.Ordinal);
            if (equals > 0)
            {
                name = arg[..equals];
                inline = arg[(equals + 1)..];
            }

            string? Value()
            {
                if (inline is not null)
                {
                    return inline;
                }

                if (i + 1 < args.Count && !args[i + 1].StartsWith("--", StringComparison.Ordinal))
                {
                    return args[++i];
                }

                line.Error ??= $"{name} needs a value";
                return null;
            }

            if (name == "--config")
            {
                line.ConfigFile = Value();
            }
            else if (name.StartsWith("--Agent:", StringComparison.OrdinalIgnoreCase))
            {
                line.Settings[name[2..]] = Value();
            }
            else if (Flags.FirstOrDefault(f => f.Flag == name) is { Flag: not null } flag)
            {
                string? value = flag.HasValue ? Value() : inline ?? "true";
                if (value is null)
                {
                    continue;
                }

                if (flag.Flag == "--broker")
                {
                    int colon = value.LastIndexOf(':');
                    if (colon <= 0 || !int.TryParse(value[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out _))
                    {
                        line.Error ??= $"--broker '{value}' is not HOST:PORT";
                        continue;
                    }

                    line.Settings["Agent:Broker:Host"] = value[..colon];
                    line.Settings["Agent:Broker:Port"] = value[(colon + 1)..];
                }
                else
                {
                    line.Settings[flag.Key] = value;
                }
            }
            else
            {
                line.Error ??= $"unknown option '{arg}'";
            }
        }

        return line;
    }
}
