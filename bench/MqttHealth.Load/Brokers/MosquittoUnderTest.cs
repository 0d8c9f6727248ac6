using System.Diagnostics;
using MqttHealth.Broker.Testing;

namespace MqttHealth.Bench.Load.Brokers;

/// <summary>
/// Mosquitto 2.0 from the Debian package, started on a free loopback port by the shared
/// <see cref="MosquittoBroker"/> harness.
/// </summary>
/// <remarks>
/// <para>
/// Its default mode is the one the Debian package ships (<c>/etc/mosquitto/mosquitto.conf</c>): persistence on,
/// written to <c>mosquitto.db</c> every 30 minutes (<c>autosave_interval 1800</c>) and at exit. It does not write,
/// let alone fsync, per message: a QoS 1/2 message it acknowledged is lost if it is killed before the next save.
/// </para>
/// <para>
/// The rest is set to match MqttHealth's configuration in the comparison: <c>max_inflight_messages 256</c>
/// (MqttHealth's Receive Maximum), <c>max_queued_messages 10000</c> (its MaxQueuedMessages),
/// <c>set_tcp_nodelay true</c> (Kestrel disables Nagle by default), <c>sys_interval 0</c> (no <c>$SYS</c>
/// publications, as the benchmark runs MqttHealth) and no log line per connection (<c>connection_messages false</c>).
/// </para>
/// </remarks>
internal sealed class MosquittoUnderTest : BrokerUnderTest
{
    public const string ComparisonConfig = """
        persistence true
        persistence_location %DIR%/
        autosave_interval 1800
        max_inflight_messages 256
        max_queued_messages 10000
        set_tcp_nodelay true
        sys_interval 0
        connection_messages false
        """;

    private readonly MosquittoBroker _broker;

    private MosquittoUnderTest(MosquittoBroker broker, string version)
        : base(BrokerKind.Mosquitto)
    {
        _broker = broker;
        Version = version;
    }

    public string Version { get; }

    public override int Port => _broker.Port;

    public override int ProcessId => _broker.ProcessId;

    public override string Description =>
        $"Mosquitto {Version} (`{MosquittoBroker.ExecutablePath}`), persistence as packaged by Debian (in memory, saved every 1800 s and at exit: no write per message), "
        + "max_inflight_messages 256, max_queued_messages 10000, set_tcp_nodelay true, sys_interval 0, connection_messages false";

    public static async Task<BrokerUnderTest> LaunchAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        string version = await ReadVersionAsync(cancellationToken).ConfigureAwait(false);
        MosquittoBroker broker = await MosquittoBroker.StartAsync(ComparisonConfig).ConfigureAwait(false);
        return new MosquittoUnderTest(broker, version);
    }

    /// <summary>The version mosquitto prints in the first line of <c>mosquitto -h</c> ("mosquitto version 2.0.11").</summary>
    public static async Task<string> ReadVersionAsync(CancellationToken cancellationToken)
    {
        using var process = Process.Start(new ProcessStartInfo(MosquittoBroker.ExecutablePath, ["-h"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        }) ?? throw new InvalidOperationException("mosquitto -h did not start.");
        Task<string> stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        string output = await process.StandardOutput.ReadToEndAsync(cancellationToken).ConfigureAwait(false) + await stderr.ConfigureAwait(false);
        await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        const string Marker = "mosquitto version ";
        int at = output.IndexOf(Marker, StringComparison.Ordinal);
        if (at < 0)
        {
            return "(unknown version)";
        }

        int end = output.IndexOfAny(['\r', '\n'], at);
        return output[(at + Marker.Length)..(end < 0 ? output.Length : end)].Trim();
    }

    public override ValueTask DisposeAsync() => _broker.DisposeAsync();
}
