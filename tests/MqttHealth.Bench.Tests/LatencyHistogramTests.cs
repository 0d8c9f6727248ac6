using MqttHealth.Bench.Load.Measurement;

namespace MqttHealth.Bench.Tests;

/// <summary>The histogram behind every latency figure in bench/RESULTS.md: buckets, precision, percentiles, merging.</summary>
public sealed class LatencyHistogramTests
{
    [Fact]
    public void Every_value_falls_in_a_bucket_that_contains_it_and_is_at_most_one_64th_of_it_wide()
    {
        var random = new Random(20261121);
        var values = new List<long>();
        for (long v = 0; v < 5000; v++)
        {
            values.Add(v);
        }

        for (int i = 0; i < 20000; i++)
        {
            values.Add((long)Math.Pow(2, random.NextDouble() * 46));
        }

        values.AddRange([long.MaxValue >> 17, (1L << 40) - 1, 1L << 40]);
        foreach (long value in values)
        {
            (long low, long width) = LatencyHistogram.BucketOf(LatencyHistogram.IndexOf(value));
            Assert.InRange(value, low, low + width - 1);
            Assert.True(value < 128 ? width == 1 : width * 64 <= value, $"bucket of {value} is {width} wide");
        }
    }

    [Fact]
    public void Bucket_indices_grow_with_the_value()
    {
        int previous = -1;
        for (long value = 0; value < 1 << 20; value += 1 + (value / 50))
        {
            int index = LatencyHistogram.IndexOf(value);
            Assert.True(index >= previous, $"index of {value} went down");
            previous = index;
        }
    }

    [Fact]
    public void Percentiles_of_a_uniform_distribution_are_within_the_bucket_precision()
    {
        var histogram = new LatencyHistogram();
        for (long v = 1; v <= 100_000; v++)
        {
            histogram.Record(v * 1000); // 1 us .. 100 ms
        }

        Assert.Equal(100_000, histogram.Count);
        Assert.InRange(histogram.ValueAtPercentile(50), 50_000_000 * (1 - (1 / 64.0)), 50_000_000 * (1 + (1 / 64.0)));
        Assert.InRange(histogram.ValueAtPercentile(99), 99_000_000 * (1 - (1 / 64.0)), 99_000_000 * (1 + (1 / 64.0)));
        Assert.InRange(histogram.ValueAtPercentile(99.9), 99_900_000 * (1 - (1 / 64.0)), 99_900_000 * (1 + (1 / 64.0)));
        Assert.Equal(100_000_000, histogram.MaxNanoseconds);
        Assert.True(histogram.ValueAtPercentile(100) <= histogram.MaxNanoseconds);
    }

    [Fact]
    public void A_rare_slow_message_moves_the_p99_9_but_not_the_p99()
    {
        var histogram = new LatencyHistogram();
        for (int i = 0; i < 9_990; i++)
        {
            histogram.Record(100_000); // 100 us
        }

        for (int i = 0; i < 10; i++)
        {
            histogram.Record(50_000_000); // 50 ms, 0.1% of the messages
        }

        Assert.InRange(histogram.ValueAtPercentile(99), 98_000, 102_000);
        Assert.InRange(histogram.ValueAtPercentile(99.95), 49_000_000, 51_000_000);
    }

    [Fact]
    public void Merged_histograms_answer_as_one_that_recorded_everything()
    {
        var all = new LatencyHistogram();
        var first = new LatencyHistogram();
        var second = new LatencyHistogram();
        var random = new Random(7);
        for (int i = 0; i < 10_000; i++)
        {
            long value = random.NextInt64(1, 10_000_000);
            all.Record(value);
            (i % 3 == 0 ? first : second).Record(value);
        }

        first.Add(second);

        Assert.Equal(all.Count, first.Count);
        Assert.Equal(all.MaxNanoseconds, first.MaxNanoseconds);
        foreach (double p in new[] { 1, 50, 90, 99, 99.9, 100 })
        {
            Assert.Equal(all.ValueAtPercentile(p), first.ValueAtPercentile(p));
        }
    }

    [Fact]
    public void An_empty_histogram_has_no_percentiles_and_negative_values_count_as_zero()
    {
        var histogram = new LatencyHistogram();
        Assert.True(double.IsNaN(histogram.ValueAtPercentile(50)));

        histogram.Record(-5);
        Assert.Equal(1, histogram.Count);
        Assert.Equal(0, histogram.ValueAtPercentile(50));
    }
}
