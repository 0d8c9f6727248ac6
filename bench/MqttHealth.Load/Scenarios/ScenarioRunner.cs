using System.Buffers.Binary;
using System.Diagnostics;
using System.Threading.Channels;
using MqttHealth.Bench.Load.Brokers;
using MqttHealth.Bench.Load.Measurement;
using MqttHealth.Mqtt.Client;
using MqttHealth.Mqtt.Protocol;

namespace MqttHealth.Bench.Load.Scenarios;

/// <summary>Durations of one run.</summary>
/// <param name="Warmup">Publishing before anything is counted (connections, JIT, TCP windows and broker caches settle).</param>
/// <param name="Measure">The measurement interval.</param>
/// <param name="DrainTimeout">After publishing stops: how long delivery may stall before what is missing counts as lost.</param>
internal sealed record RunSettings(TimeSpan Warmup, TimeSpan Measure, TimeSpan DrainTimeout);

/// <summary>
/// Runs one <see cref="Scenario"/> against one broker: connects the clients (our <see cref="MqttClient"/>, MQTT 5.0,
/// clean start, no topic aliases), publishes for the warm-up and the measurement interval, then stops publishing and
/// waits until everything published has been delivered (QoS 1/2: anything missing fails the run; QoS 0: counted as
/// lost), and disconnects.
/// </summary>
/// <remarks>
/// <para>
/// Payload: bytes 0-7 the sender's <see cref="Stopwatch.GetTimestamp"/> (CLOCK_MONOTONIC, shared by publisher and
/// subscriber, both in this process), 8-11 the publisher index, 12-19 its sequence number, the rest zero.
/// </para>
/// <para>
/// Publishers run <see cref="LanesPerPublisher"/> concurrent publish loops ("lanes") for QoS 1/2, so that many
/// PUBLISHes can await their acknowledgement at once (within the broker's Receive Maximum), and one lane for QoS 0.
/// Saturation runs bound what is in flight end to end: a publisher waits once <see cref="WindowPerPublisher"/> of its
/// messages are published but not yet delivered everywhere, so the broker's queues stay bounded and the latency at
/// saturation is the latency of a full window, the same for every broker. Paced runs release sends from a timer
/// thread every millisecond at the requested rate; sends that would exceed a 50 ms backlog are skipped, so the
/// achieved rate, not the requested one, is what the result reports.
/// </para>
/// </remarks>
internal sealed class ScenarioRunner : IAsyncDisposable
{
    public const int LanesPerPublisher = 64;
    private const ushort SubscriberReceiveMaximum = 256;
    private const int ConnectParallelism = 16;
    private static readonly TimeSpan ClientTimeout = TimeSpan.FromSeconds(30);
    private static readonly double NanosecondsPerTick = 1e9 / Stopwatch.Frequency;
    private static int s_runs;

    private readonly BrokerUnderTest _broker;
    private readonly Scenario _scenario;
    private readonly RunMode _mode;
    private readonly string _runId;
    private readonly Publisher[] _publishers;
    private readonly Subscriber[] _subscribers;
    private readonly CancellationTokenSource _stopPublishing = new();
    private readonly CancellationTokenSource _stopReceiving = new();
    private readonly List<Task> _lanes = [];
    private readonly SemaphoreSlim? _pacedGate;
    private Thread? _pacer;
    private long _recordFrom = long.MaxValue;
    private long _recordUntil = long.MaxValue;
    private string? _error;

    private ScenarioRunner(BrokerUnderTest broker, Scenario scenario, RunMode mode)
    {
        _broker = broker;
        _scenario = scenario;
        _mode = mode;
        _runId = $"{Environment.ProcessId}-{Interlocked.Increment(ref s_runs)}";
        _publishers = new Publisher[scenario.Publishers];
        for (int i = 0; i < _publishers.Length; i++)
        {
            _publishers[i] = new Publisher(
                i,
                new MqttClient(ClientOptions($"load-{_runId}-p{i}", receiveMaximum: null)),
                $"bench/{_runId}/p{i}",
                mode.IsPaced ? null : new SemaphoreSlim(WindowPerPublisher(scenario)));
        }

        _subscribers = new Subscriber[scenario.Subscribers];
        for (int i = 0; i < _subscribers.Length; i++)
        {
            _subscribers[i] = new Subscriber(new MqttClient(ClientOptions($"load-{_runId}-s{i}", SubscriberReceiveMaximum)));
        }

        _pacedGate = mode.IsPaced ? new SemaphoreSlim(0) : null;
    }

    /// <summary>
    /// How many of a publisher's messages may be published and not yet delivered to every subscriber: 1,024 for 1:1,
    /// 64 per publisher (6,400 in all) for fan-in, 64 (6,400 deliveries) for fan-out.
    /// </summary>
    public static int WindowPerPublisher(Scenario scenario) => scenario.Shape == Shape.OneToOne ? 1024 : 64;

    /// <summary>Runs the scenario once; failures of the run itself are in <see cref="RunResult.Error"/>, not thrown.</summary>
    public static async Task<RunResult> RunAsync(BrokerUnderTest broker, Scenario scenario, RunMode mode, int round, RunSettings settings, CancellationToken cancellationToken)
    {
        await using var run = new ScenarioRunner(broker, scenario, mode);
        return await run.RunAsync(round, settings, cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        await _stopPublishing.CancelAsync().ConfigureAwait(false);
        await _stopReceiving.CancelAsync().ConfigureAwait(false);
        _pacer?.Join();
        await Parallel.ForEachAsync(
            _publishers.Select(p => p.Client).Concat(_subscribers.Select(s => s.Client)),
            new ParallelOptions { MaxDegreeOfParallelism = ConnectParallelism },
            async (client, _) => await client.DisposeAsync().ConfigureAwait(false)).ConfigureAwait(false);
        foreach (Publisher publisher in _publishers)
        {
            publisher.Window?.Dispose();
        }

        _pacedGate?.Dispose();
        _stopPublishing.Dispose();
        _stopReceiving.Dispose();
    }

    private async Task<RunResult> RunAsync(int round, RunSettings settings, CancellationToken cancellationToken)
    {
        _broker.ResetPeakMemory();
        await ConnectAsync(cancellationToken).ConfigureAwait(false);
        foreach (Subscriber subscriber in _subscribers)
        {
            subscriber.Loop = Task.Run(() => ReceiveLoopAsync(subscriber), CancellationToken.None);
        }

        StartPublishing();

        // Measurement intervals: the run publishes throughout, these only decide what is counted.
        await Task.Delay(settings.Warmup, cancellationToken).ConfigureAwait(false);
        Snapshot start = TakeSnapshot();
        Volatile.Write(ref _recordFrom, start.Timestamp);
        await Task.Delay(settings.Measure, cancellationToken).ConfigureAwait(false);
        Snapshot end = TakeSnapshot();
        Volatile.Write(ref _recordUntil, end.Timestamp);

        await _stopPublishing.CancelAsync().ConfigureAwait(false);
        _pacer?.Join();
        await Task.WhenAll(_lanes).ConfigureAwait(false);
        long lost = await DrainAsync(settings.DrainTimeout, cancellationToken).ConfigureAwait(false);
        long peakRss = _broker.Sample().PeakRssBytes;
        await _stopReceiving.CancelAsync().ConfigureAwait(false);
        await Task.WhenAll(_subscribers.Select(s => s.Loop)).ConfigureAwait(false);

        if (lost > 0 && _scenario.QoS != QualityOfService.AtMostOnce)
        {
            RecordError($"{lost} of {ExpectedDeliveries()} QoS {(int)_scenario.QoS} deliveries did not arrive within {settings.DrainTimeout.TotalSeconds:0} s of the last progress ({DescribeState()})");
        }

        var latency = new LatencyHistogram();
        foreach (Subscriber subscriber in _subscribers)
        {
            latency.Add(subscriber.Histogram);
        }

        return new RunResult(
            _broker.Kind,
            _scenario,
            _mode,
            round,
            Stopwatch.GetElapsedTime(start.Timestamp, end.Timestamp).TotalSeconds,
            end.Published - start.Published,
            end.Delivered - start.Delivered,
            end.Acknowledged - start.Acknowledged,
            new LatencySummary(
                latency.Count,
                latency.ValueAtPercentile(50) / 1e3,
                latency.ValueAtPercentile(99) / 1e3,
                latency.ValueAtPercentile(99.9) / 1e3,
                latency.MaxNanoseconds / 1e3),
            end.Broker.CpuSeconds - start.Broker.CpuSeconds,
            peakRss,
            end.Generator.CpuSeconds - start.Generator.CpuSeconds,
            lost,
            Volatile.Read(ref _error));
    }

    private async Task ConnectAsync(CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(ClientTimeout);
        var options = new ParallelOptions { MaxDegreeOfParallelism = ConnectParallelism, CancellationToken = timeout.Token };
        string filter = _scenario.Shape == Shape.FanIn ? $"bench/{_runId}/+" : _publishers[0].Topic;
        await Parallel.ForEachAsync(_subscribers, options, async (subscriber, ct) =>
        {
            await subscriber.Client.ConnectAsync(ct).ConfigureAwait(false);
            MqttClientSubscribeResult result = await subscriber.Client.SubscribeAsync(filter, _scenario.QoS, ct).ConfigureAwait(false);
            if ((byte)result.ReasonCodes[0] != (byte)_scenario.QoS)
            {
                throw new InvalidOperationException($"The broker granted 0x{(byte)result.ReasonCodes[0]:X2} for a QoS {(int)_scenario.QoS} subscription to {filter}.");
            }
        }).ConfigureAwait(false);
        await Parallel.ForEachAsync(_publishers, options, async (publisher, ct) =>
            await publisher.Client.ConnectAsync(ct).ConfigureAwait(false)).ConfigureAwait(false);
    }

    private void StartPublishing()
    {
        int lanes = _scenario.QoS == QualityOfService.AtMostOnce ? 1 : Math.Min(LanesPerPublisher, WindowPerPublisher(_scenario));
        foreach (Publisher publisher in _publishers)
        {
            SemaphoreSlim gate = publisher.Window ?? _pacedGate!;
            for (int lane = 0; lane < lanes; lane++)
            {
                _lanes.Add(Task.Run(() => LaneAsync(publisher, gate), CancellationToken.None));
            }
        }

        if (_mode.DeliveriesPerSecond is double deliveries)
        {
            double publishesPerSecond = deliveries / _scenario.DeliveriesPerPublish;
            _pacer = new Thread(() => Pace(publishesPerSecond)) { IsBackground = true, Name = "load-pacer", Priority = ThreadPriority.AboveNormal };
            _pacer.Start();
        }
    }

    /// <summary>One publish loop: wait for the gate, stamp the payload, publish, await the acknowledgement (QoS 1/2).</summary>
    private async Task LaneAsync(Publisher publisher, SemaphoreSlim gate)
    {
        CancellationToken stop = _stopPublishing.Token;
        byte[] payload = new byte[_scenario.PayloadBytes];
        BinaryPrimitives.WriteInt32LittleEndian(payload.AsSpan(8), publisher.Index);
        try
        {
            while (!stop.IsCancellationRequested)
            {
                await gate.WaitAsync(stop).ConfigureAwait(false);
                long sequence = Interlocked.Increment(ref publisher.Published);
                BinaryPrimitives.WriteInt64LittleEndian(payload.AsSpan(12), sequence);
                BinaryPrimitives.WriteInt64LittleEndian(payload, Stopwatch.GetTimestamp());

                // Not cancellable: a publish that started completes (its acknowledgement is awaited), so the drain knows what was sent.
                await publisher.Client.PublishAsync(publisher.Topic, payload, _scenario.QoS, retain: false, properties: null, CancellationToken.None).ConfigureAwait(false);
                Interlocked.Increment(ref publisher.Acknowledged);
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // Publishing is over.
        }
        catch (MqttClientException ex)
        {
            RecordError($"publisher {publisher.Index}: {ex.Message}");
            await _stopPublishing.CancelAsync().ConfigureAwait(false);
        }
    }

    private void Pace(double publishesPerSecond)
    {
        // At most 50 ms worth of sends may wait for a lane; beyond that the generator (or the broker) is not keeping
        // up, and the sends are skipped, which shows as an achieved rate below the requested one.
        int maxBacklog = (int)Math.Max(16, publishesPerSecond * 0.05);
        long started = Stopwatch.GetTimestamp();
        long released = 0;
        CancellationToken stop = _stopPublishing.Token;
        while (!stop.IsCancellationRequested)
        {
            long due = (long)(Stopwatch.GetElapsedTime(started).TotalSeconds * publishesPerSecond) - released;
            if (due > 0)
            {
                int room = maxBacklog - _pacedGate!.CurrentCount;
                if (room > 0)
                {
                    _pacedGate.Release((int)Math.Min(due, room));
                }

                released += due;
            }

            Thread.Sleep(1);
        }
    }

    private async Task ReceiveLoopAsync(Subscriber subscriber)
    {
        ChannelReader<MqttApplicationMessage> reader = subscriber.Client.ReceivedMessages;
        CancellationToken stop = _stopReceiving.Token;
        int deliveriesPerPublish = _scenario.DeliveriesPerPublish;
        try
        {
            while (await reader.WaitToReadAsync(stop).ConfigureAwait(false))
            {
                while (reader.TryRead(out MqttApplicationMessage? message))
                {
                    long received = Stopwatch.GetTimestamp();
                    ReadOnlySpan<byte> payload = message.Payload.Span;
                    long sent = BinaryPrimitives.ReadInt64LittleEndian(payload);
                    int index = BinaryPrimitives.ReadInt32LittleEndian(payload[8..]);
                    if (sent >= Volatile.Read(ref _recordFrom) && sent < Volatile.Read(ref _recordUntil))
                    {
                        subscriber.Histogram.Record((long)((received - sent) * NanosecondsPerTick));
                    }

                    Volatile.Write(ref subscriber.Delivered, subscriber.Delivered + 1);
                    Publisher publisher = _publishers[index];
                    if (Interlocked.Increment(ref publisher.Delivered) % deliveriesPerPublish == 0)
                    {
                        publisher.Window?.Release();
                    }
                }
            }

            RecordError($"a subscriber's connection ended during the run: {(subscriber.Client.Disconnection.IsCompleted ? subscriber.Client.Disconnection.Result.Message : "no reason")}");
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // Receiving is over.
        }
    }

    /// <summary>Waits until every published message has been delivered or delivery stalls; returns how many are missing.</summary>
    private async Task<long> DrainAsync(TimeSpan stallTimeout, CancellationToken cancellationToken)
    {
        long expected = ExpectedDeliveries();
        long delivered = DeliveredSoFar();
        long lastProgress = Stopwatch.GetTimestamp();
        while (delivered < expected && Stopwatch.GetElapsedTime(lastProgress) < stallTimeout && _error is null)
        {
            // Poll interval of a bounded wait: it ends as soon as the count is complete or progress stops.
            await Task.Delay(5, cancellationToken).ConfigureAwait(false);
            long now = DeliveredSoFar();
            if (now != delivered)
            {
                delivered = now;
                lastProgress = Stopwatch.GetTimestamp();
            }
        }

        return Math.Max(0, expected - delivered);
    }

    /// <summary>Where the messages are, for the error of a run whose deliveries stalled.</summary>
    private string DescribeState()
    {
        long unacknowledged = _publishers.Sum(p => Volatile.Read(ref p.Published) - Volatile.Read(ref p.Acknowledged));
        int inflight = _publishers.Sum(p => p.Client.InflightCount);
        string disconnected = string.Join("; ", _publishers.Select(p => p.Client).Concat(_subscribers.Select(s => s.Client))
            .Where(c => !c.IsConnected)
            .Select(c => $"{c.ClientId}: {(c.Disconnection.IsCompleted ? c.Disconnection.Result.Message : "not connected")}"));
        string subscribers = string.Join(", ", _subscribers.Take(5).Select(s => $"{Volatile.Read(ref s.Delivered)} delivered, {s.Client.ReceivedMessages.Count} buffered, {s.Client.InflightCount} in flight"));
        return $"publishers: {unacknowledged} unacknowledged, {inflight} in flight in their sessions; disconnected: {(disconnected.Length == 0 ? "none" : disconnected)}; subscribers: {subscribers}";
    }

    private long ExpectedDeliveries() => _publishers.Sum(p => Volatile.Read(ref p.Published)) * _scenario.DeliveriesPerPublish;

    private long DeliveredSoFar() => _subscribers.Sum(s => Volatile.Read(ref s.Delivered));

    private Snapshot TakeSnapshot() => new(
        Stopwatch.GetTimestamp(),
        _publishers.Sum(p => Volatile.Read(ref p.Published)),
        DeliveredSoFar(),
        _publishers.Sum(p => Volatile.Read(ref p.Acknowledged)),
        _broker.Sample(),
        ProcessStats.Read(Environment.ProcessId));

    private void RecordError(string error) => Interlocked.CompareExchange(ref _error, error, null);

    private MqttClientOptions ClientOptions(string clientId, ushort? receiveMaximum) => new()
    {
        Host = "127.0.0.1",
        Port = _broker.Port,
        ClientId = clientId,
        CleanStart = true,
        KeepAliveSeconds = 60,
        UseTopicAliases = false,
        ReceiveMaximum = receiveMaximum,
        ConnectTimeout = ClientTimeout,
    };

    private readonly record struct Snapshot(long Timestamp, long Published, long Delivered, long Acknowledged, ProcessSample Broker, ProcessSample Generator);

    private sealed class Publisher(int index, MqttClient client, string topic, SemaphoreSlim? window)
    {
        public long Published;
        public long Acknowledged;
        public long Delivered;

        public int Index { get; } = index;

        public MqttClient Client { get; } = client;

        public string Topic { get; } = topic;

        /// <summary>The end-to-end window of a saturation run; null when paced.</summary>
        public SemaphoreSlim? Window { get; } = window;
    }

    private sealed class Subscriber(MqttClient client)
    {
        public long Delivered;

        public MqttClient Client { get; } = client;

        public LatencyHistogram Histogram { get; } = new();

        public Task Loop { get; set; } = Task.CompletedTask;
    }
}
