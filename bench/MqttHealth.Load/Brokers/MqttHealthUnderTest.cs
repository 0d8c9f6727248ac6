using System.Reflection;
using MqttHealth.Broker.Testing;

namespace MqttHealth.Bench.Load.Brokers;

/// <summary>
/// <c>dotnet mqtthealth-broker.dll</c> (copied beside the load generator by its project reference), started by the
/// tests' <see cref="BrokerProcess"/> harness: loopback listeners on free ports, TLS and WebSocket off, the admin
/// endpoint on loopback, anonymous access, no <c>$SYS</c> publications (<c>SysIntervalSeconds=0</c>, like
/// Mosquitto's <c>sys_interval 0</c>) and warnings-only logging (no line per connection). Everything else is the
/// broker's default configuration: Receive Maximum 256, 10,000 queued messages per session, and in SQLite mode WAL
/// with synchronous=FULL and group commit, so a QoS 1/2 PUBLISH is acknowledged only once it is on disk.
/// </summary>
internal sealed class MqttHealthUnderTest : BrokerUnderTest
{
    private readonly BrokerProcess _process;

    private MqttHealthUnderTest(BrokerKind kind, BrokerProcess process)
        : base(kind) => _process = process;

    public override int Port => _process.Ports.Mqtt;

    public override int ProcessId => _process.ProcessId;

    public override string Description =>
        $"MqttHealth {Version} (`{BrokerProcess.BrokerAssemblyName}`), storage {(Kind == BrokerKind.MqttHealthSqlite ? "SQLite WAL, synchronous=FULL, group commit" : "in-memory")}, "
        + "Receive Maximum 256, MaxQueuedMessages 10000, TCP_NODELAY (Kestrel's default), `$SYS` off, log level Warning";

    private static string Version =>
        typeof(MqttHealthUnderTest).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "?";

    public static async Task<BrokerUnderTest> LaunchAsync(BrokerKind kind, CancellationToken cancellationToken)
    {
        string assembly = Path.Combine(AppContext.BaseDirectory, BrokerProcess.BrokerAssemblyName);
        if (!File.Exists(assembly) || !File.Exists(Path.ChangeExtension(assembly, ".runtimeconfig.json")))
        {
            throw new FileNotFoundException(
                $"{BrokerProcess.BrokerAssemblyName} with its .runtimeconfig.json is not beside the load generator ({AppContext.BaseDirectory}); build bench/MqttHealth.Load, which references the broker project.",
                assembly);
        }

        BrokerProcess process = await BrokerProcess.StartAsync(
            new BrokerProcessOptions
            {
                AssemblyPath = assembly,
                InMemoryStorage = kind == BrokerKind.MqttHealthMemory,
                TlsAndWebSocket = false,
                ReadyTimeout = TimeSpan.FromSeconds(60),
                ExtraArguments = ["--Broker:SysIntervalSeconds=0", "--Logging:LogLevel:Default=Warning"],
            },
            cancellationToken).ConfigureAwait(false);
        return new MqttHealthUnderTest(kind, process);
    }

    /// <summary>SIGKILL and the data directory removed: the benchmark's data are thrown away.</summary>
    public override ValueTask DisposeAsync() => _process.DisposeAsync();
}
