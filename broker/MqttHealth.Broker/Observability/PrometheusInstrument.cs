using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text;

namespace MqttHealth.Broker.Observability;

/// <summary>
/// The aggregation of one instrument for /metrics: counter and up-down-counter measurements are summed per tag
/// set, gauges and observable instruments keep the last value, histograms count into buckets.
/// </summary>
/// <remarks>
/// The measurement path takes no lock once a tag set has been seen: series are found by scanning an
/// immutable array (instruments here have few tag sets) and updated with Interlocked. A new tag set takes a
/// lock and replaces the array. The number of series is capped so that a runaway tag value cannot grow
/// memory without bound; measurements beyond the cap go to one series labelled <c>otel_metric_overflow="true"</c>.
/// </remarks>
internal sealed class PrometheusInstrument
{
    internal const int MaxSeries = 1000;

    // OpenTelemetry's default explicit bucket boundaries.
    private static readonly double[] DefaultBounds = [0, 5, 10, 25, 50, 75, 100, 250, 500, 750, 1000, 2500, 5000, 7500, 10000];

    private readonly PrometheusTextExporter _owner;
    private readonly Lock _gate = new();
    private readonly double[]? _bounds;
    private PrometheusSeries? _untagged;
    private PrometheusSeries[] _tagged = [];
    private PrometheusSeries? _overflow;

    private PrometheusInstrument(PrometheusTextExporter owner, Instrument instrument, InstrumentKind kind, bool isFloatingPoint, double[]? bounds)
    {
        _owner = owner;
        Instrument = instrument;
        Kind = kind;
        IsFloatingPoint = isFloatingPoint;
        _bounds = bounds;
        bool monotonic = kind is InstrumentKind.Counter or InstrumentKind.ObservableCounter;
        bool gauge = !monotonic && kind != InstrumentKind.Histogram;
        Name = PrometheusNaming.MetricName(instrument.Name, instrument.Unit, monotonic, gauge);
        Type = monotonic ? "counter" : gauge ? "gauge" : "histogram";
    }

    internal enum InstrumentKind
    {
        Counter,
        UpDownCounter,
        ObservableCounter,
        ObservableUpDownCounter,
        ObservableGauge,
        Gauge,
        Histogram,
    }

    public Instrument Instrument { get; }

    public InstrumentKind Kind { get; }

    public bool IsFloatingPoint { get; }

    /// <summary>The Prometheus metric name.</summary>
    public string Name { get; }

    /// <summary><c>counter</c>, <c>gauge</c> or <c>histogram</c>.</summary>
    public string Type { get; }

    private bool IsObservable => Kind is InstrumentKind.ObservableCounter or InstrumentKind.ObservableUpDownCounter or InstrumentKind.ObservableGauge;

    public static PrometheusInstrument? TryCreate(PrometheusTextExporter owner, Instrument instrument)
    {
        Type type = instrument.GetType();
        if (!type.IsGenericType)
        {
            return null;
        }

        Type definition = type.GetGenericTypeDefinition();
        Type valueType = type.GetGenericArguments()[0];
        bool floating = valueType == typeof(double) || valueType == typeof(float) || valueType == typeof(decimal);
        InstrumentKind? kind =
            definition == typeof(Counter<>) ? InstrumentKind.Counter
            : definition == typeof(UpDownCounter<>) ? InstrumentKind.UpDownCounter
            : definition == typeof(ObservableCounter<>) ? InstrumentKind.ObservableCounter
            : definition == typeof(ObservableUpDownCounter<>) ? InstrumentKind.ObservableUpDownCounter
            : definition == typeof(ObservableGauge<>) ? InstrumentKind.ObservableGauge
            : definition == typeof(Gauge<>) ? InstrumentKind.Gauge
            : definition == typeof(Histogram<>) ? InstrumentKind.Histogram
            : null;
        if (kind is null)
        {
            return null;
        }

        double[]? bounds = kind == InstrumentKind.Histogram ? HistogramBounds(instrument) : null;
        return new PrometheusInstrument(owner, instrument, kind.Value, floating, bounds);
    }

    public void Record(long value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        PrometheusSeries series = Find(tags);
        switch (Kind)
        {
            case InstrumentKind.Counter or InstrumentKind.UpDownCounter:
                series.Add(value);
                break;
            case InstrumentKind.Histogram:
                series.Observe(value, _bounds!);
                break;
            default:
                series.Set(value, IsObservable ? _owner.Generation : -1);
                break;
        }
    }

    public void Record(double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        PrometheusSeries series = Find(tags);
        switch (Kind)
        {
            case InstrumentKind.Counter or InstrumentKind.UpDownCounter:
                series.Add(value);
                break;
            case InstrumentKind.Histogram:
                series.Observe(value, _bounds!);
                break;
            default:
                series.Set(value, IsObservable ? _owner.Generation : -1);
                break;
        }
    }

    /// <summary>Appends this instrument's samples; observable series only if reported in collection <paramref name="generation"/>.</summary>
    public void WriteSamples(StringBuilder builder, int generation)
    {
        PrometheusSeries? untagged = Volatile.Read(ref _untagged);
        if (untagged is null && Volatile.Read(ref _tagged).Length == 0 && Kind is InstrumentKind.Counter or InstrumentKind.UpDownCounter)
        {
            // Nothing recorded yet: 0, so that rate() and alerts see the series from the first scrape on.
            builder.Append(Name).Append(" 0\n");
            return;
        }

        if (untagged is not null)
        {
            WriteSeries(builder, untagged, generation);
        }

        foreach (PrometheusSeries series in Volatile.Read(ref _tagged))
        {
            WriteSeries(builder, series, generation);
        }

        if (Volatile.Read(ref _overflow) is { } overflow)
        {
            WriteSeries(builder, overflow, generation);
        }
    }

    private static double[] HistogramBounds(Instrument instrument)
    {
        IReadOnlyList<double>? advised = instrument switch
        {
            Histogram<double> h => h.Advice?.HistogramBucketBoundaries,
            Histogram<float> h => h.Advice?.HistogramBucketBoundaries?.Select(b => (double)b).ToArray(),
            Histogram<long> h => h.Advice?.HistogramBucketBoundaries?.Select(b => (double)b).ToArray(),
            Histogram<int> h => h.Advice?.HistogramBucketBoundaries?.Select(b => (double)b).ToArray(),
            _ => null,
        };
        double[] bounds = advised is { Count: > 0 } ? [.. advised] : DefaultBounds;
        Array.Sort(bounds);
        return bounds;
    }

    private PrometheusSeries Find(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        if (tags.IsEmpty)
        {
            return Volatile.Read(ref _untagged) ?? CreateUntagged();
        }

        foreach (PrometheusSeries series in Volatile.Read(ref _tagged))
        {
            if (series.Matches(tags))
            {
                return series;
            }
        }

        lock (_gate)
        {
            PrometheusSeries[] current = _tagged;
            foreach (PrometheusSeries series in current)
            {
                if (series.Matches(tags))
                {
                    return series;
                }
            }

            if (current.Length >= MaxSeries)
            {
                return _overflow ??= new PrometheusSeries([new("otel.metric.overflow", true)], _bounds?.Length ?? 0);
            }

            KeyValuePair<string, object?>[] copy = tags.ToArray();
            Array.Sort(copy, static (a, b) => string.CompareOrdinal(a.Key, b.Key));
            var created = new PrometheusSeries(copy, _bounds?.Length ?? 0);
            Volatile.Write(ref _tagged, [.. current, created]);
            return created;
        }
    }

    private PrometheusSeries CreateUntagged()
    {
        var created = new PrometheusSeries([], _bounds?.Length ?? 0);
        return Interlocked.CompareExchange(ref _untagged, created, null) ?? created;
    }

    private void WriteSeries(StringBuilder builder, PrometheusSeries series, int generation)
    {
        if (IsObservable && series.Generation != generation)
        {
            // Not reported by the last callback: the tag set is gone (for example a meter's object was disposed).
            return;
        }

        if (Kind == InstrumentKind.Histogram)
        {
            WriteHistogram(builder, series);
            return;
        }

        builder.Append(Name);
        if (series.Labels.Length > 0)
        {
            builder.Append('{').Append(series.Labels).Append('}');
        }

        builder.Append(' ');
        if (IsFloatingPoint)
        {
            builder.Append(PrometheusNaming.FormatValue(series.DoubleValue));
        }
        else
        {
            builder.Append(series.LongValue.ToString(CultureInfo.InvariantCulture));
        }

        builder.Append('\n');
    }

    private void WriteHistogram(StringBuilder builder, PrometheusSeries series)
    {
        double[] bounds = _bounds!;
        string separator = series.Labels.Length > 0 ? "," : string.Empty;
        long cumulative = 0;
        for (int i = 0; i <= bounds.Length; i++)
        {
            cumulative += series.BucketCount(i);
            string le = i < bounds.Length ? PrometheusNaming.FormatValue(bounds[i]) : "+Inf";
            builder.Append(Name).Append("_bucket{").Append(series.Labels).Append(separator)
                .Append("le=\"").Append(le).Append("\"} ").Append(cumulative.ToString(CultureInfo.InvariantCulture)).Append('\n');
        }

        string labels = series.Labels.Length > 0 ? "{" + series.Labels + "}" : string.Empty;
        builder.Append(Name).Append("_sum").Append(labels).Append(' ').Append(PrometheusNaming.FormatValue(series.DoubleValue)).Append('\n');

        // The bucket total rather than the separate count, so that _count always equals the +Inf bucket in one scrape.
        builder.Append(Name).Append("_count").Append(labels).Append(' ').Append(cumulative.ToString(CultureInfo.InvariantCulture)).Append('\n');
    }
}
