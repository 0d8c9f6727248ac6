using System.Globalization;
using System.Reflection;
using MqttHealth.Broker.Testing;

namespace MqttHealth.Bench.Broker;

/// <summary>
/// The real broker, <c>dotnet mqtthealth-broker.dll</c>, as a child process of the benchmark, started by the
/// tests' <see cref="BrokerProcess"/> harness (free loopback ports, readiness on /healthz and the MQTT port,
/// output drained, SIGKILL and data directory removal on dispose) with the TLS and WebSocket listeners off.
/// </summary>
/// <remarks>
/// <para>
/// Where the broker comes from (<see cref="LocateBrokerAssembly"/>), first match wins:
/// the environment variable <c>MQTTHEALTH_BROKER_DLL</c> (a path to <c>mqtthealth-broker.dll</c>);
/// the benchmark's own directory, <see cref="AppContext.BaseDirectory"/>;
/// the bench project's build output directory, recorded at build time in the assembly metadata
/// <c>BenchOutputDirectory</c>. The bench project references the broker project, so every build of the bench
/// copies <c>mqtthealth-broker.dll</c> with its <c>.runtimeconfig.json</c> and <c>.deps.json</c> into its
/// output directory. BenchmarkDotNet runs each benchmark from a project it generates and builds elsewhere, whose
/// output need not carry the broker's runtimeconfig (it is a transitive executable reference), hence the
/// recorded directory.
/// </para>
/// <para>
/// The broker runs with <c>--Broker:SysIntervalSeconds=0</c> (no $SYS publications in the middle of a
/// measurement) and <c>--Logging:LogLevel:Default=Warning</c> (no log line per connection while sessions are
/// created).
/// </para>
/// </remarks>
internal sealed class BenchmarkBroker : IAsyncDisposable
{
    public const string BrokerAssemblyVariable = "MQTTHEALTH_BROKER_DLL";

    private readonly BrokerProcess _process;
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(5) };

    private BenchmarkBroker(BrokerProcess process, string assemblyPath)
    {
        _process = process;
        AssemblyPath = assemblyPath;
    }

    /// <summary>The <c>mqtthealth-broker.dll</c> that runs.</summary>
    public string AssemblyPath { get; }

    public int MqttPort => _process.Ports.Mqtt;

    public int AdminPort => _process.Ports.Admin;

    public int ProcessId => _process.ProcessId;

    /// <summary>Starts the broker with the given storage (<c>memory</c> or <c>sqlite</c>) and waits until it is ready.</summary>
    public static async Task<BenchmarkBroker> StartAsync(string storage, CancellationToken cancellationToken)
    {
        string assembly = LocateBrokerAssembly();
        var process = await BrokerProcess.StartAsync(
            new BrokerProcessOptions
            {
                AssemblyPath = assembly,
                InMemoryStorage = storage == "memory",
                TlsAndWebSocket = false,
                ReadyTimeout = TimeSpan.FromSeconds(60),
                ExtraArguments = ["--Broker:SysIntervalSeconds=0", "--Logging:LogLevel:Default=Warning"],
            },
            cancellationToken).ConfigureAwait(false);
        return new BenchmarkBroker(process, assembly);
    }

    /// <summary>Finds <c>mqtthealth-broker.dll</c> next to its runtimeconfig (see the class remarks).</summary>
    public static string LocateBrokerAssembly()
    {
        var searched = new List<string>();
        string? explicitPath = Environment.GetEnvironmentVariable(BrokerAssemblyVariable);
        if (!string.IsNullOrEmpty(explicitPath))
        {
            if (IsRunnable(explicitPath))
            {
                return Path.GetFullPath(explicitPath);
            }

            throw new FileNotFoundException(
                $"{BrokerAssemblyVariable}={explicitPath} does not name a {BrokerProcess.BrokerAssemblyName} with its .runtimeconfig.json beside it.", explicitPath);
        }

        string? recorded = typeof(BenchmarkBroker).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .FirstOrDefault(a => a.Key == "BenchOutputDirectory")?.Value;
        foreach (string? directory in new[] { AppContext.BaseDirectory, recorded })
        {
            if (string.IsNullOrEmpty(directory))
            {
                continue;
            }

            string candidate = Path.Combine(directory, BrokerProcess.BrokerAssemblyName);
            searched.Add(candidate);
            if (IsRunnable(candidate))
            {
                return candidate;
            }
        }

        throw new FileNotFoundException(
            $"{BrokerProcess.BrokerAssemblyName} with its .runtimeconfig.json was not found (searched: {string.Join(", ", searched)}). "
            + $"Build bench/MqttHealth.Bench (it references the broker project) or set {BrokerAssemblyVariable}.");
    }

    /// <summary>Reads the broker's /metrics (Prometheus text) into name → value; labelled series are summed per name.</summary>
    public async Task<IReadOnlyDictionary<string, double>> ScrapeMetricsAsync(CancellationToken cancellationToken)
    {
        string text = await _http.GetStringAsync(new Uri($"http://127.0.0.1:{AdminPort}/metrics"), cancellationToken).ConfigureAwait(false);
        var values = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (string line in text.Split('\n'))
        {
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            int space = line.LastIndexOf(' ');
            if (space <= 0 || !double.TryParse(line.AsSpan(space + 1), NumberStyles.Float, CultureInfo.InvariantCulture, out double value))
            {
                continue;
            }

            int brace = line.IndexOf('{', StringComparison.Ordinal);
            string name = brace > 0 && brace < space ? line[..brace] : line[..space];
            values[name] = values.GetValueOrDefault(name) + value;
        }

        return values;
    }

    /// <summary>SIGKILL (nothing to flush: the benchmark's data are thrown away), then the data directory goes.</summary>
    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        await _process.DisposeAsync().ConfigureAwait(false);
    }

    private static bool IsRunnable(string assemblyPath) =>
        File.Exists(assemblyPath) && File.Exists(Path.ChangeExtension(assemblyPath, ".runtimeconfig.json"));
}
