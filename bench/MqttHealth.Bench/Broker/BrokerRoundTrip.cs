using System.Diagnostics;
using System.Globalization;
using MqttHealth.Mqtt.Client;
using MqttHealth.Mqtt.Protocol;

namespace MqttHealth.Bench.Broker;

/// <summary>
/// One broker process with N idle sessions (<see cref="IdleSessionSeeder"/>), a subscriber on
/// <see cref="TargetTopic"/> and a publisher: the fixture of the idle-session benchmarks.
/// </summary>
/// <remarks>
/// <see cref="RoundTripAsync"/> is one PUBLISH from the publisher until the subscriber's
/// <see cref="MqttClient.ReceivedMessages"/> yields the message and the publisher's own publish has completed
/// (for QoS 1, its PUBACK has arrived), so round trips never overlap. The subscription is QoS 1; the delivery
/// goes out at the publish's QoS. Both clients speak MQTT 5.0 with Keep Alive off.
/// </remarks>
internal sealed class BrokerRoundTrip : IAsyncDisposable
{
    public const string TargetTopic = "mh/v1/fac1/unit7/target/vitals";
    private static readonly TimeSpan OperationTimeout = TimeSpan.FromSeconds(10);

    // A vitals sample's size, give or take.
    private readonly ReadOnlyMemory<byte> _payload = new byte[64];

    // Re-armed by every round trip (CancelAfter resets the same timer), so a lost message fails the run instead of hanging it.
    private readonly CancellationTokenSource _operationTimeout = new();

    private readonly BenchmarkBroker _broker;
    private readonly MqttClient _publisher;
    private readonly MqttClient _subscriber;
    private IReadOnlyDictionary<string, double> _metricsBefore = new Dictionary<string, double>();
    private long _roundTrips;

    private BrokerRoundTrip(BenchmarkBroker broker, int idleSessions, string storage)
    {
        _broker = broker;
        IdleSessions = idleSessions;
        Storage = storage;
        _publisher = new MqttClient(ClientOptions("bench-publisher"));
        _subscriber = new MqttClient(ClientOptions("bench-subscriber"));
    }

    public int IdleSessions { get; }

    public string Storage { get; }

    /// <summary>Starts the broker, leaves the idle sessions in it, connects both clients and checks one round trip.</summary>
    public static async Task<BrokerRoundTrip> CreateAsync(string storage, int idleSessions, CancellationToken cancellationToken)
    {
        BenchmarkBroker broker = await BenchmarkBroker.StartAsync(storage, cancellationToken).ConfigureAwait(false);
        var fixture = new BrokerRoundTrip(broker, idleSessions, storage);
        try
        {
            Console.WriteLine($"// broker: pid {broker.ProcessId}, MQTT port {broker.MqttPort}, admin port {broker.AdminPort}, storage {storage}, {broker.AssemblyPath}");
            var seeding = Stopwatch.StartNew();
            await IdleSessionSeeder.SeedAsync(broker.MqttPort, idleSessions, cancellationToken).ConfigureAwait(false);
            Console.WriteLine($"// broker: {idleSessions} idle sessions created in {seeding.Elapsed.TotalSeconds:0.0} s");

            // The seeding's clients are garbage in this process now. Collected here, before anything is measured;
            // otherwise a background collection of them competes with the first round trips for the cores.
            GC.Collect();
            GC.WaitForPendingFinalizers();
            GC.Collect();

            await fixture._subscriber.ConnectAsync(cancellationToken).ConfigureAwait(false);
            await fixture._subscriber.SubscribeAsync(TargetTopic, QualityOfService.AtLeastOnce, cancellationToken).ConfigureAwait(false);
            await fixture._publisher.ConnectAsync(cancellationToken).ConfigureAwait(false);

            // One round trip before measuring: the subscription is in place and the path works.
            await fixture.RoundTripAsync(QualityOfService.AtLeastOnce).ConfigureAwait(false);
            fixture._roundTrips = 0;

            fixture._metricsBefore = await broker.ScrapeMetricsAsync(cancellationToken).ConfigureAwait(false);
            double sessions = fixture._metricsBefore.GetValueOrDefault("mqtthealth_sessions");
            if (sessions < idleSessions)
            {
                throw new InvalidOperationException($"The broker reports {sessions} sessions; at least {idleSessions} idle ones were expected.");
            }

            Console.WriteLine($"// broker: {sessions} sessions in the broker, {fixture._metricsBefore.GetValueOrDefault("mqtthealth_clients_connected")} connected");
            return fixture;
        }
        catch
        {
            await fixture.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>One publish → delivery round trip; returns the payload length received.</summary>
    public async Task<int> RoundTripAsync(QualityOfService qos)
    {
        _operationTimeout.CancelAfter(OperationTimeout);
        CancellationToken token = _operationTimeout.Token;
        ValueTask<MqttClientPublishResult> publish = _publisher.PublishAsync(TargetTopic, _payload, qos, retain: false, properties: null, token);
        MqttApplicationMessage message = await _subscriber.ReceivedMessages.ReadAsync(token).ConfigureAwait(false);
        await publish.ConfigureAwait(false);
        if (!string.Equals(message.Topic, TargetTopic, StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"The subscriber received '{message.Topic}', not '{TargetTopic}'.");
        }

        _roundTrips++;
        return message.Payload.Length;
    }

    /// <summary>
    /// Prints the broker's CPU time and allocated bytes per round trip since set-up, from its /metrics, as a line
    /// starting with <c>// broker:</c>.
    /// </summary>
    public async Task ReportAsync(CancellationToken cancellationToken)
    {
        IReadOnlyDictionary<string, double> after = await _broker.ScrapeMetricsAsync(cancellationToken).ConfigureAwait(false);
        double messages = Delta(after, "mqtthealth_messages_received_total");
        if (messages <= 0)
        {
            return;
        }

        double cpuSeconds = Delta(after, "dotnet_process_cpu_time_seconds_total");
        double allocated = Delta(after, "dotnet_gc_heap_total_allocated_bytes_total");
        double workingSetMiB = after.GetValueOrDefault("dotnet_process_memory_working_set_bytes") / (1024 * 1024);
        double collections = Delta(after, "dotnet_gc_collections_total");
        double pauseMs = Delta(after, "dotnet_gc_pause_time_seconds_total") * 1e3;
        Console.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"// broker: IdleSessions={IdleSessions} Storage={Storage}: {messages} publishes over {_roundTrips} round trips; per round trip {cpuSeconds / messages * 1e6:0.0} us broker CPU, {allocated / messages:0} B allocated in the broker; {collections} GCs pausing {pauseMs:0.0} ms in all; sessions {after.GetValueOrDefault("mqtthealth_sessions")}, broker working set {workingSetMiB:0} MiB, {after.GetValueOrDefault("dotnet_thread_pool_thread_count_total")} thread-pool threads"));
    }

    /// <summary>Disconnects both clients, kills the broker and deletes its data directory.</summary>
    public async ValueTask DisposeAsync()
    {
        await _publisher.DisposeAsync().ConfigureAwait(false);
        await _subscriber.DisposeAsync().ConfigureAwait(false);
        await _broker.DisposeAsync().ConfigureAwait(false);
        _operationTimeout.Dispose();
    }

    private double Delta(IReadOnlyDictionary<string, double> after, string name) =>
        after.GetValueOrDefault(name) - _metricsBefore.GetValueOrDefault(name);

    private MqttClientOptions ClientOptions(string clientId) => new()
    {
        Host = "127.0.0.1",
        Port = _broker.MqttPort,
        ClientId = clientId,
        CleanStart = true,
        KeepAliveSeconds = 0,
    };
}
