using System.Diagnostics;
using System.Globalization;
using BenchmarkDotNet.Attributes;
using MqttHealth.Mqtt.Protocol;

namespace MqttHealth.Bench.Broker;

/// <summary>
/// The comparison of <see cref="IdleSessionsBenchmarks"/> made side by side: two brokers run at once, one
/// with no idle sessions and one with 10,000, and every operation is one QoS 1 round trip through each, in
/// alternating order. Whatever else loads the machine loads both alike, which the sequential cases of
/// <see cref="IdleSessionsBenchmarks"/> cannot promise on a shared machine.
/// </summary>
/// <remarks>
/// <para>
/// BenchmarkDotNet reports the mean of the pair per round trip (<c>OperationsPerInvoke = 2</c>). Each round
/// trip is also timed on its own with <see cref="Stopwatch.GetTimestamp"/>, and <see cref="CleanupAsync"/>
/// prints, for the last <see cref="Capacity"/> pairs (pilot and warm-up included when there are fewer): mean
/// and percentiles per broker, and the paired difference (10,000 minus 0): its median, its mean, and the share
/// of pairs in which the broker with 10,000 idle sessions was the slower one (50% when the session count makes
/// no difference). The count of round trips over 1 ms shows the tail: on a loaded machine, mostly a client or
/// broker thread waiting for a core. The lines start with <c>// interleaved:</c>. Storage is <c>memory</c> for
/// both brokers.
/// </para>
/// </remarks>
[SimpleJob(launchCount: 1, warmupCount: 3, iterationCount: 15)]
public class IdleSessionsInterleavedBenchmarks : IDisposable
{
    private const int Capacity = 1 << 18;
    private const int IdleSessions = 10_000;
    private static readonly TimeSpan SetupTimeout = TimeSpan.FromMinutes(10);

    private readonly long[] _withoutIdle = new long[Capacity];
    private readonly long[] _withIdle = new long[Capacity];
    private BrokerRoundTrip? _without;
    private BrokerRoundTrip? _with;
    private long _pairs;

    [GlobalSetup]
    public async Task SetupAsync()
    {
        using var limit = new CancellationTokenSource(SetupTimeout);
        _without = await BrokerRoundTrip.CreateAsync("memory", 0, limit.Token);
        _with = await BrokerRoundTrip.CreateAsync("memory", IdleSessions, limit.Token);
    }

    [Benchmark(Description = "QoS 1 round trip, 0 and 10000 idle alternating", OperationsPerInvoke = 2)]
    public async Task<long> AlternatingQoS1RoundTrips()
    {
        // Alternate which broker goes first, so neither always runs right after the other's work.
        long slot = _pairs % Capacity;
        if ((_pairs & 1) == 0)
        {
            _withoutIdle[slot] = await TimeAsync(_without!);
            _withIdle[slot] = await TimeAsync(_with!);
        }
        else
        {
            _withIdle[slot] = await TimeAsync(_with!);
            _withoutIdle[slot] = await TimeAsync(_without!);
        }

        _pairs++;
        return _pairs;
    }

    [GlobalCleanup]
    public async Task CleanupAsync()
    {
        try
        {
            Report();
            using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            if (_without is not null)
            {
                await _without.ReportAsync(limit.Token);
            }

            if (_with is not null)
            {
                await _with.ReportAsync(limit.Token);
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

    private static async Task<long> TimeAsync(BrokerRoundTrip fixture)
    {
        long start = Stopwatch.GetTimestamp();
        await fixture.RoundTripAsync(QualityOfService.AtLeastOnce);
        return Stopwatch.GetTimestamp() - start;
    }

    private void Report()
    {
        int count = (int)Math.Min(_pairs, Capacity);
        if (count == 0)
        {
            return;
        }

        double[] without = ToMicroseconds(_withoutIdle, count);
        double[] with = ToMicroseconds(_withIdle, count);
        double[] difference = new double[count];
        int slower = 0;
        for (int i = 0; i < count; i++)
        {
            difference[i] = with[i] - without[i];
            if (difference[i] > 0)
            {
                slower++;
            }
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"// interleaved: {count} pairs of {_pairs} (QoS 1 round trip, microseconds)"));
        Console.WriteLine("// interleaved: | Idle sessions | Mean | P50 | P90 | P99 | Over 1 ms |");
        Console.WriteLine(Row("0", without));
        Console.WriteLine(Row(IdleSessions.ToString(CultureInfo.InvariantCulture), with));
        Array.Sort(difference);
        Console.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"// interleaved: paired difference ({IdleSessions} - 0): median {Percentile(difference, 0.5):0.0} us, mean {difference.Average():0.0} us; the {IdleSessions} broker was slower in {100.0 * slower / count:0.0}% of pairs"));
    }

    private static string Row(string label, double[] samples)
    {
        double mean = samples.Average();
        int overOneMillisecond = samples.Count(s => s > 1000);
        Array.Sort(samples);
        return string.Create(
            CultureInfo.InvariantCulture,
            $"// interleaved: | {label} | {mean:0.0} | {Percentile(samples, 0.5):0.0} | {Percentile(samples, 0.9):0.0} | {Percentile(samples, 0.99):0.0} | {overOneMillisecond} |");
    }

    private static double[] ToMicroseconds(long[] ticks, int count)
    {
        double[] result = new double[count];
        for (int i = 0; i < count; i++)
        {
            result[i] = ticks[i] * 1e6 / Stopwatch.Frequency;
        }

        return result;
    }

    // Nearest rank on sorted samples.
    private static double Percentile(double[] sorted, double p) =>
        sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];

    private async Task ReleaseAsync()
    {
        if (_without is not null)
        {
            await _without.DisposeAsync();
            _without = null;
        }

        if (_with is not null)
        {
            await _with.DisposeAsync();
            _with = null;
        }
    }
}
