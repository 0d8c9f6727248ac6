using BenchmarkDotNet.Attributes;
using MqttHealth.Mqtt.Protocol;

namespace MqttHealth.Bench.Broker;

/// <summary>
/// End to end through the real broker process: one client publishes to
/// <c>mh/v1/fac1/unit7/target/vitals</c>, another client subscribed to that topic receives it, with 0 or 10,000
/// idle persistent sessions (each with its own unrelated device subscription, see
/// <see cref="IdleSessionSeeder"/>) sitting in the broker. The claim: the cost of a publish does not
/// grow with the number of unrelated sessions.
/// </summary>
/// <remarks>
/// <para>
/// One operation is one round trip (<see cref="BrokerRoundTrip.RoundTripAsync"/>) over loopback TCP. Every
/// case runs in its own process with its own broker. Besides the latency that BenchmarkDotNet measures,
/// <see cref="CleanupAsync"/> prints the broker's CPU time and allocated bytes per round trip, from its /metrics
/// before and after the measured run (pilot and warm-up included), as lines starting with <c>// broker:</c>.
/// </para>
/// <para>
/// Cases run one after another, minutes apart, so a machine whose load changes meanwhile shifts them
/// unequally; <see cref="IdleSessionsInterleavedBenchmarks"/> compares the two session counts side by side.
/// The broker is killed in <see cref="CleanupAsync"/>; if the benchmark process dies first, a
/// <c>mqtthealth-broker.dll</c> process whose pid the set-up printed may remain.
/// </para>
/// </remarks>
[SimpleJob(launchCount: 1, warmupCount: 3, iterationCount: 15)]
public class IdleSessionsBenchmarks : IDisposable
{
    private static readonly TimeSpan SetupTimeout = TimeSpan.FromMinutes(10);

    private BrokerRoundTrip? _fixture;

    /// <summary>Idle persistent sessions (disconnected, subscriptions kept) in the broker.</summary>
    [Params(0, 10_000)]
    public int IdleSessions { get; set; }

    /// <summary>The broker's <c>--storage</c>: <c>memory</c>, or <c>sqlite</c> (durable; the idle sessions are rows too).</summary>
    [Params("memory", "sqlite")]
    public string Storage { get; set; } = "memory";

    [GlobalSetup]
    public async Task SetupAsync()
    {
        using var limit = new CancellationTokenSource(SetupTimeout);
        _fixture = await BrokerRoundTrip.CreateAsync(Storage, IdleSessions, limit.Token);
    }

    [Benchmark(Description = "QoS 1 publish -> delivery")]
    public Task<int> PublishQoS1RoundTrip() => _fixture!.RoundTripAsync(QualityOfService.AtLeastOnce);

    [Benchmark(Description = "QoS 0 publish -> delivery")]
    public Task<int> PublishQoS0RoundTrip() => _fixture!.RoundTripAsync(QualityOfService.AtMostOnce);

    [GlobalCleanup]
    public async Task CleanupAsync()
    {
        try
        {
            if (_fixture is not null)
            {
                using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(30));
                await _fixture.ReportAsync(limit.Token);
            }
        }
        finally
        {
            await ReleaseAsync();
        }
    }

    /// <summary>Releases what <see cref="CleanupAsync"/> has not (it releases everything when it runs).</summary>
    public void Dispose()
    {
        ReleaseAsync().GetAwaiter().GetResult();
        GC.SuppressFinalize(this);
    }

    private async Task ReleaseAsync()
    {
        if (_fixture is not null)
        {
            await _fixture.DisposeAsync();
            _fixture = null;
        }
    }
}
