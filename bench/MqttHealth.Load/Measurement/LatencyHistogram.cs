using System.Numerics;

namespace MqttHealth.Bench.Load.Measurement;

/// <summary>
/// A log-linear histogram of latencies in nanoseconds (HdrHistogram's layout, written small): exact below 128 ns,
/// then 64 buckets per power of two, so a reported percentile is within 1/64 (1.6%) of the true value. Recording
/// is one array increment and allocates nothing; one histogram belongs to one thread, and <see cref="Add"/> merges.
/// </summary>
internal sealed class LatencyHistogram
{
    private const int SubBucketBits = 6;
    private const int SubBucketCount = 1 << SubBucketBits;      // 64 buckets per power of two
    private const int LinearLimit = SubBucketCount * 2;          // values below 128 get a bucket each
    private const int MaxShift = 40;                             // up to 2^47 ns, about 39 hours

    private readonly long[] _counts = new long[LinearLimit + (MaxShift * SubBucketCount)];

    public long Count { get; private set; }

    public long MaxNanoseconds { get; private set; }

    public void Record(long nanoseconds)
    {
        if (nanoseconds < 0)
        {
            nanoseconds = 0;
        }

        _counts[IndexOf(nanoseconds)]++;
        Count++;
        if (nanoseconds > MaxNanoseconds)
        {
            MaxNanoseconds = nanoseconds;
        }
    }

    public void Add(LatencyHistogram other)
    {
        for (int i = 0; i < _counts.Length; i++)
        {
            _counts[i] += other._counts[i];
        }

        Count += other.Count;
        MaxNanoseconds = Math.Max(MaxNanoseconds, other.MaxNanoseconds);
    }

    /// <summary>The value at or below which <paramref name="percentile"/> % of the recorded values lie (the bucket's midpoint), in nanoseconds.</summary>
    public double ValueAtPercentile(double percentile)
    {
        if (Count == 0)
        {
            return double.NaN;
        }

        long rank = Math.Max(1, (long)Math.Ceiling(percentile / 100.0 * Count));
        long seen = 0;
        for (int i = 0; i < _counts.Length; i++)
        {
            seen += _counts[i];
            if (seen >= rank)
            {
                (long low, long width) = BucketOf(i);
                return Math.Min(low + ((width - 1) / 2.0), MaxNanoseconds);
            }
        }

        return MaxNanoseconds;
    }

    internal static int IndexOf(long value)
    {
        if (value < LinearLimit)
        {
            return (int)value;
        }

        // value has its top bit at position msb >= 7; keep 7 significant bits (64..127) and the shift that removes the rest.
        int msb = 63 - BitOperations.LeadingZeroCount((ulong)value);
        int shift = Math.Min(msb - SubBucketBits, MaxShift);
        long top = Math.Min(value >> shift, LinearLimit - 1);
        return LinearLimit + ((shift - 1) * SubBucketCount) + (int)(top - SubBucketCount);
    }

    /// <summary>The lowest value of bucket <paramref name="index"/> and how many values it covers.</summary>
    internal static (long Low, long Width) BucketOf(int index)
    {
        if (index < LinearLimit)
        {
            return (index, 1);
        }

        int shift = ((index - LinearLimit) / SubBucketCount) + 1;
        long top = ((index - LinearLimit) % SubBucketCount) + SubBucketCount;
        return (top << shift, 1L << shift);
    }
}
