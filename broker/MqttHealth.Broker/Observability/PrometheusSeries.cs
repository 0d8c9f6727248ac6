using System.Text;

namespace MqttHealth.Broker.Observability;

/// <summary>
/// One time series of an instrument: one tag set, its value, and for histograms the bucket counts. Updated
/// from any thread without locks (Interlocked); read when /metrics is scraped.
/// </summary>
internal sealed class PrometheusSeries
{
    private readonly long[]? _buckets;
    private long _long;
    private double _double;
    private int _generation;

    public PrometheusSeries(KeyValuePair<string, object?>[] tags, int bucketCount)
    {
        Tags = tags;
        Labels = FormatLabels(tags);
        _buckets = bucketCount > 0 ? new long[bucketCount + 1] : null;
    }

    /// <summary>The tag set, sorted by key, copied when the series was created.</summary>
    public KeyValuePair<string, object?>[] Tags { get; }

    /// <summary>The labels as exposition text without braces (<c>reason="overflow"</c>); empty when there are no tags.</summary>
    public string Labels { get; }

    /// <summary>The collection (scrape) in which an observable instrument last reported this series.</summary>
    public int Generation => Volatile.Read(ref _generation);

    public long LongValue => Interlocked.Read(ref _long);

    public double DoubleValue => Volatile.Read(ref _double);

    public void Add(long value) => Interlocked.Add(ref _long, value);

    public void Add(double value) => AddDouble(ref _double, value);

    public void Set(long value, int generation)
    {
        Interlocked.Exchange(ref _long, value);
        Volatile.Write(ref _generation, generation);
    }

    public void Set(double value, int generation)
    {
        Interlocked.Exchange(ref _double, value);
        Volatile.Write(ref _generation, generation);
    }

    /// <summary>Counts <paramref name="value"/> into the first bucket whose upper bound is at least the value (<c>le</c> is inclusive).</summary>
    public void Observe(double value, double[] bounds)
    {
        int index = Array.BinarySearch(bounds, value);
        if (index < 0)
        {
            index = ~index;
        }

        Interlocked.Increment(ref _buckets![index]);
        AddDouble(ref _double, value);
    }

    public long BucketCount(int index) => Interlocked.Read(ref _buckets![index]);

    /// <summary>Whether <paramref name="tags"/> is this series' tag set, in any order.</summary>
    public bool Matches(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        if (tags.Length != Tags.Length)
        {
            return false;
        }

        foreach (KeyValuePair<string, object?> tag in tags)
        {
            bool found = false;
            foreach (KeyValuePair<string, object?> own in Tags)
            {
                if (string.Equals(own.Key, tag.Key, StringComparison.Ordinal))
                {
                    found = Equals(own.Value, tag.Value);
                    break;
                }
            }

            if (!found)
            {
                return false;
            }
        }

        return true;
    }

    private static void AddDouble(ref double location, double value)
    {
        // Compare bits, not values: NaN != NaN would spin forever.
        double initial;
        do
        {
            initial = Volatile.Read(ref location);
        }
        while (BitConverter.DoubleToInt64Bits(Interlocked.CompareExchange(ref location, initial + value, initial)) != BitConverter.DoubleToInt64Bits(initial));
    }

    private static string FormatLabels(KeyValuePair<string, object?>[] tags)
    {
        if (tags.Length == 0)
        {
            return string.Empty;
        }

        var builder = new StringBuilder();
        foreach (KeyValuePair<string, object?> tag in tags)
        {
            if (builder.Length > 0)
            {
                builder.Append(',');
            }

            builder.Append(PrometheusNaming.LabelName(tag.Key)).Append("=\"");
            PrometheusNaming.AppendLabelValue(builder, PrometheusNaming.TagValue(tag.Value));
            builder.Append('"');
        }

        return builder.ToString();
    }
}
