using System.Globalization;
using MqttHealth.Bench.Load.Brokers;
using MqttHealth.Bench.Load.Scenarios;

namespace MqttHealth.Bench.Load;

/// <summary>The comparison's command line (<c>mqtthealth-load --help</c>).</summary>
internal sealed class LoadOptions
{
    public const string Usage = """
        mqtthealth-load: MqttHealth and Mosquitto side by side, in one run, on this machine.

        Usage: mqtthealth-load [options]

          --output PATH        the results file whose generated section is rewritten (default: bench/RESULTS.md
                               of the repository this runs from)
          --no-output          print the tables, write nothing
          --brokers LIST       comma-separated: mqtthealth-sqlite, mqtthealth-memory, mosquitto (default: all three)
          --shapes LIST        comma-separated: 1:1, fan-in, fan-out (default: all three)
          --qos LIST           comma-separated: 0, 1, 2 (default: all three)
          --payloads LIST      payload sizes in bytes, each at least 20 (default: 64,1024)
          --fan N              publishers in fan-in, subscribers in fan-out (default: 100)
          --rounds N           saturation runs per scenario and broker, brokers alternating (default: 2)
          --warmup SECONDS     publishing before counting starts, per run (default: 0.5)
          --duration SECONDS   measurement interval per run (default: 2)
          --idle LIST          idle connection counts (default: 10000,50000; 0 skips)
          --crosscheck N       messages per mosquitto_pub/mosquitto_sub cross-check stream (default: 20000; 0 skips)
          --paced-rounds N     latency runs per scenario and broker at half of Mosquitto's saturation rate
                               (default: 3; the tables show the median, so one disturbed run does not decide)
          --no-paced           skip the latency runs at half of Mosquitto's saturation rate
          --rate N             no saturation runs: every scenario paced at N deliveries per second on every
                               broker, --rounds times (to look at one load closely, e.g. under a profiler)
          --quick              a smoke run: 1 round, 0.3 s warm-up, 1 s measurement, 1000 idle connections,
                               2000 cross-check messages
          -h, --help           this text
        """;

    public string? OutputPath { get; private set; }

    public bool WriteOutput { get; private set; } = true;

    public IReadOnlyList<BrokerKind> Brokers { get; private set; } = BrokerKinds.All;

    public IReadOnlyList<Shape> Shapes { get; private set; } = [Shape.OneToOne, Shape.FanIn, Shape.FanOut];

    public IReadOnlyList<int> QoS { get; private set; } = [0, 1, 2];

    public IReadOnlyList<int> Payloads { get; private set; } = [64, 1024];

    public int Fan { get; private set; } = 100;

    public int Rounds { get; private set; } = 2;

    public TimeSpan Warmup { get; private set; } = TimeSpan.FromSeconds(0.5);

    public TimeSpan Duration { get; private set; } = TimeSpan.FromSeconds(2);

    public IReadOnlyList<int> IdleCounts { get; private set; } = [10_000, 50_000];

    public int CrossCheckMessages { get; private set; } = 20_000;

    public bool Paced { get; private set; } = true;

    public int PacedRounds { get; private set; } = 3;

    /// <summary>Set by --rate: only paced runs, at this many deliveries per second.</summary>
    public double? FixedRate { get; private set; }

    public bool Quick { get; private set; }

    public bool Help { get; private set; }

    /// <summary>Every argument as given, for the report.</summary>
    public string CommandLine { get; private set; } = string.Empty;

    /// <summary>Parses the command line; a bad argument throws <see cref="FormatException"/> with a message naming it.</summary>
    public static LoadOptions Parse(string[] args)
    {
        var options = new LoadOptions { CommandLine = string.Join(' ', args) };
        for (int i = 0; i < args.Length; i++)
        {
            string name = args[i];
            string Value() => i + 1 < args.Length ? args[++i] : throw new FormatException($"{name} needs a value.");
            switch (name)
            {
                case "--output": options.OutputPath = Value(); break;
                case "--no-output": options.WriteOutput = false; break;
                case "--brokers": options.Brokers = ParseList(name, Value(), ParseBroker); break;
                case "--shapes": options.Shapes = ParseList(name, Value(), ParseShape); break;
                case "--qos": options.QoS = ParseList(name, Value(), v => ParseInt(name, v, 0, 2)); break;
                case "--payloads": options.Payloads = ParseList(name, Value(), v => ParseInt(name, v, Scenario.HeaderBytes, 256 * 1024)); break;
                case "--fan": options.Fan = ParseInt(name, Value(), 1, 1000); break;
                case "--rounds": options.Rounds = ParseInt(name, Value(), 1, 100); break;
                case "--warmup": options.Warmup = ParseSeconds(name, Value()); break;
                case "--duration": options.Duration = ParseSeconds(name, Value()); break;
                case "--idle": options.IdleCounts = ParseList(name, Value(), v => ParseInt(name, v, 0, 1_000_000)).Where(n => n > 0).ToArray(); break;
                case "--crosscheck": options.CrossCheckMessages = ParseInt(name, Value(), 0, 10_000_000); break;
                case "--no-paced": options.Paced = false; break;
                case "--paced-rounds": options.PacedRounds = ParseInt(name, Value(), 1, 100); break;
                case "--rate": options.FixedRate = ParseInt(name, Value(), 1, 100_000_000); break;
                case "--quick":
                    options.Quick = true;
                    options.Rounds = 1;
                    options.PacedRounds = 1;
                    options.Warmup = TimeSpan.FromSeconds(0.3);
                    options.Duration = TimeSpan.FromSeconds(1);
                    options.IdleCounts = [1000];
                    options.CrossCheckMessages = 2000;
                    break;
                case "-h" or "--help": options.Help = true; break;
                default: throw new FormatException($"Unknown argument '{name}'. See --help.");
            }
        }

        if (options.Duration <= TimeSpan.Zero)
        {
            throw new FormatException("--duration must be more than 0 seconds.");
        }

        return options;
    }

    private static List<T> ParseList<T>(string name, string value, Func<string, T> parse)
    {
        List<T> items = [.. value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(parse).Distinct()];
        return items.Count > 0 ? items : throw new FormatException($"{name} needs at least one value.");
    }

    private static BrokerKind ParseBroker(string value) => BrokerKinds.TryParse(value, out BrokerKind kind)
        ? kind
        : throw new FormatException($"Unknown broker '{value}'; use {string.Join(", ", BrokerKinds.All.Select(k => k.Key()))}.");

    private static Shape ParseShape(string value) => value.ToUpperInvariant() switch
    {
        "1:1" or "ONE-TO-ONE" => Shape.OneToOne,
        "FAN-IN" => Shape.FanIn,
        "FAN-OUT" => Shape.FanOut,
        _ => throw new FormatException($"Unknown shape '{value}'; use 1:1, fan-in or fan-out."),
    };

    private static int ParseInt(string name, string value, int min, int max) =>
        int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out int n) && n >= min && n <= max
            ? n
            : throw new FormatException($"{name}: '{value}' is not a whole number from {min} to {max}.");

    private static TimeSpan ParseSeconds(string name, string value) =>
        double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out double seconds) && seconds >= 0 && seconds <= 3600
            ? TimeSpan.FromSeconds(seconds)
            : throw new FormatException($"{name}: '{value}' is not a number of seconds from 0 to 3600.");
}
