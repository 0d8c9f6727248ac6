using System.Diagnostics.Metrics;
using MqttHealth.Broker.Observability;

namespace MqttHealth.Broker.Tests.Hosting;

/// <summary>
/// The exporter against a private meter per test (a unique name), so that other tests' instruments and the
/// runtime's never show up in the text being checked.
/// </summary>
public sealed class PrometheusTextExporterTests : IDisposable
{
    private readonly Meter _meter = new("test." + Guid.NewGuid().ToString("N"));
    private readonly PrometheusTextExporter _exporter;

    public PrometheusTextExporterTests()
    {
        _exporter = PrometheusTextExporter.ForMeters(_meter.Name);
    }

    public void Dispose()
    {
        _exporter.Dispose();
        _meter.Dispose();
    }

    [Fact]
    public void Scrape_CounterInBytes_HasHelpTypeUnitAndTotalSuffix()
    {
        Counter<long> counter = _meter.CreateCounter<long>("mqtthealth.bytes.received", "By", "MQTT bytes received");
        counter.Add(40);
        counter.Add(2);

        string text = _exporter.Scrape();

        Assert.Equal(
            "# HELP mqtthealth_bytes_received_bytes_total MQTT bytes received\n"
            + "# TYPE mqtthealth_bytes_received_bytes_total counter\n"
            + "mqtthealth_bytes_received_bytes_total 42\n",
            text);
    }

    [Fact]
    public void Scrape_CounterWithAnnotationUnit_DropsTheUnit()
    {
        _meter.CreateCounter<long>("mqtthealth.messages.received", "{message}", "PUBLISH packets received").Add(3);

        Assert.Contains("mqtthealth_messages_received_total 3\n", _exporter.Scrape(), StringComparison.Ordinal);
    }

    [Fact]
    public void Scrape_CounterNotYetRecorded_ExportsZero()
    {
        _meter.CreateCounter<long>("quiet.count", null, "nothing yet");

        Assert.Contains("\nquiet_count_total 0\n", _exporter.Scrape(), StringComparison.Ordinal);
    }

    [Fact]
    public void Scrape_TaggedCounter_OneSeriesPerTagSetInAnyOrder()
    {
        Counter<long> counter = _meter.CreateCounter<long>("dropped", null, null);
        counter.Add(1, new KeyValuePair<string, object?>("reason", "overflow"), new KeyValuePair<string, object?>("qos", 1));
        counter.Add(2, new KeyValuePair<string, object?>("qos", 1), new KeyValuePair<string, object?>("reason", "overflow"));
        counter.Add(5, new KeyValuePair<string, object?>("reason", "expired"), new KeyValuePair<string, object?>("qos", 1));

        string text = _exporter.Scrape();

        Assert.Contains("dropped_total{qos=\"1\",reason=\"overflow\"} 3\n", text, StringComparison.Ordinal);
        Assert.Contains("dropped_total{qos=\"1\",reason=\"expired\"} 5\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Scrape_TagValueWithQuoteBackslashAndNewline_IsEscaped()
    {
        _meter.CreateCounter<long>("escaped", null, "line one\nback\\slash \"quoted\"")
            .Add(1, new KeyValuePair<string, object?>("path", "C:\\dir\n\"x\""), new KeyValuePair<string, object?>("bad-key.name", true));

        string text = _exporter.Scrape();

        Assert.Contains("# HELP escaped_total line one\\nback\\\\slash \"quoted\"\n", text, StringComparison.Ordinal);
        Assert.Contains("escaped_total{bad_key_name=\"true\",path=\"C:\\\\dir\\n\\\"x\\\"\"} 1\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Scrape_ObservableGauge_IsReadAtEachScrape()
    {
        long value = 7;
        _meter.CreateObservableGauge("clients.connected", () => value, "{client}", "clients connected now");

        string first = _exporter.Scrape();
        value = 9;
        string second = _exporter.Scrape();

        Assert.Contains("# TYPE clients_connected gauge\nclients_connected 7\n", first, StringComparison.Ordinal);
        Assert.Contains("clients_connected 9\n", second, StringComparison.Ordinal);
    }

    [Fact]
    public void Scrape_ObservableSeriesNoLongerReported_IsLeftOut()
    {
        bool report = true;
        _meter.CreateObservableGauge("per.queue", () => report
            ? [new Measurement<int>(3, new KeyValuePair<string, object?>("queue", "a"))]
            : Array.Empty<Measurement<int>>());

        string first = _exporter.Scrape();
        report = false;
        string second = _exporter.Scrape();

        Assert.Contains("per_queue{queue=\"a\"} 3\n", first, StringComparison.Ordinal);
        Assert.DoesNotContain("per_queue{", second, StringComparison.Ordinal);
    }

    [Fact]
    public void Scrape_UpDownCounterAndObservableCounter_MapToGaugeAndCounter()
    {
        UpDownCounter<int> queued = _meter.CreateUpDownCounter<int>("queued", "{message}");
        queued.Add(5);
        queued.Add(-2);
        _meter.CreateObservableCounter("cpu.time", () => 1.5, "s");

        string text = _exporter.Scrape();

        Assert.Contains("# TYPE queued gauge\nqueued 3\n", text, StringComparison.Ordinal);
        Assert.Contains("# TYPE cpu_time_seconds_total counter\ncpu_time_seconds_total 1.5\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Scrape_Gauge_KeepsLastValue()
    {
        Gauge<double> gauge = _meter.CreateGauge<double>("temperature", "Cel");
        gauge.Record(21.5);
        gauge.Record(22.25);

        Assert.Contains("temperature_celsius 22.25\n", _exporter.Scrape(), StringComparison.Ordinal);
    }

    [Fact]
    public void Scrape_Histogram_CumulativeBucketsSumAndCount()
    {
        Histogram<double> histogram = _meter.CreateHistogram<double>("commit.duration", "ms", "group commit time", tags: null,
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [1, 10] });
        histogram.Record(0.5);
        histogram.Record(1);
        histogram.Record(5);
        histogram.Record(50);

        string text = _exporter.Scrape();

        Assert.Contains(
            "# TYPE commit_duration_milliseconds histogram\n"
            + "commit_duration_milliseconds_bucket{le=\"1\"} 2\n"
            + "commit_duration_milliseconds_bucket{le=\"10\"} 3\n"
            + "commit_duration_milliseconds_bucket{le=\"+Inf\"} 4\n"
            + "commit_duration_milliseconds_sum 56.5\n"
            + "commit_duration_milliseconds_count 4\n",
            text,
            StringComparison.Ordinal);
    }

    [Fact]
    public void Scrape_OtherMeters_AreNotExported()
    {
        using var other = new Meter("test.other." + Guid.NewGuid().ToString("N"));
        other.CreateCounter<long>("foreign").Add(1);
        _meter.CreateCounter<long>("own").Add(1);

        string text = _exporter.Scrape();

        Assert.Contains("own_total 1", text, StringComparison.Ordinal);
        Assert.DoesNotContain("foreign", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Scrape_CountersFromManyThreads_SumsExactly()
    {
        Counter<long> counter = _meter.CreateCounter<long>("parallel");
        Counter<double> doubles = _meter.CreateCounter<double>("parallel.seconds", "s");
        Parallel.For(0, 8, _ =>
        {
            for (int i = 0; i < 10_000; i++)
            {
                counter.Add(1);
                counter.Add(1, new KeyValuePair<string, object?>("k", i % 3));
                doubles.Add(0.5);
            }
        });

        string text = _exporter.Scrape();

        Assert.Contains("parallel_total 80000\n", text, StringComparison.Ordinal);
        Assert.Contains("parallel_seconds_total 40000\n", text, StringComparison.Ordinal);
        Assert.Contains("parallel_total{k=\"0\"} 26672\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Scrape_TooManyTagSets_OverflowSeriesKeepsTheCount()
    {
        Counter<long> counter = _meter.CreateCounter<long>("cardinality");
        for (int i = 0; i < 1005; i++)
        {
            counter.Add(1, new KeyValuePair<string, object?>("id", i));
        }

        string text = _exporter.Scrape();

        Assert.Contains("cardinality_total{otel_metric_overflow=\"true\"} 5\n", text, StringComparison.Ordinal);
        Assert.Equal(1001, text.Split('\n').Count(l => l.StartsWith("cardinality_total{", StringComparison.Ordinal)));
    }

    [Fact]
    public void Scrape_DisposedMeter_InstrumentsDisappear()
    {
        var shortLived = new Meter(_meter.Name);
        shortLived.CreateCounter<long>("ephemeral").Add(1);
        Assert.Contains("ephemeral_total 1", _exporter.Scrape(), StringComparison.Ordinal);

        shortLived.Dispose();

        Assert.DoesNotContain("ephemeral", _exporter.Scrape(), StringComparison.Ordinal);
    }

    [Fact]
    public void Scrape_BrokerMetrics_ExportsTheNamesDashboardsUse()
    {
        // A BrokerMetrics of its own meter (no factory): the exporter for "MqttHealth.Broker" sees every
        // instance, so the assertions are about names and types, not values other tests may add to.
        using var exporter = PrometheusTextExporter.ForMeters(BrokerMetrics.MeterName);
        using var metrics = new BrokerMetrics();
        metrics.MessageReceived();
        metrics.BytesReceivedAdd(10);
        metrics.MessageDropped("overflow");

        string text = exporter.Scrape();

        Assert.Contains("# TYPE mqtthealth_messages_received_total counter\n", text, StringComparison.Ordinal);
        Assert.Contains("# TYPE mqtthealth_bytes_received_bytes_total counter\n", text, StringComparison.Ordinal);
        Assert.Contains("# TYPE mqtthealth_clients_connected gauge\n", text, StringComparison.Ordinal);
        Assert.Contains("mqtthealth_messages_dropped_total{reason=\"overflow\"}", text, StringComparison.Ordinal);
        Assert.Equal(1, text.Split('\n').Count(l => l == "# TYPE mqtthealth_messages_received_total counter"));
    }

    [Theory]
    [InlineData("mqtthealth.bytes.sent", "By", true, false, "mqtthealth_bytes_sent_bytes_total")]
    [InlineData("http.server.request.duration", "s", false, false, "http_server_request_duration_seconds")]
    [InlineData("queue.size", "By", false, true, "queue_size_bytes")]
    [InlineData("cpu.utilization", "1", false, true, "cpu_utilization_ratio")]
    [InlineData("requests", "1", true, false, "requests_total")]
    [InlineData("throughput", "By/s", false, true, "throughput_bytes_per_second")]
    [InlineData("rate", "{packet}/s", false, true, "rate_per_second")]
    [InlineData("already_total", "{x}", true, false, "already_total")]
    [InlineData("size_bytes", "By", false, true, "size_bytes")]
    [InlineData("9lives", null, false, true, "_9lives")]
    [InlineData("a-b..c", "", false, true, "a_b_c")]
    public void MetricName_FollowsOpenTelemetryMapping(string instrument, string? unit, bool counter, bool gauge, string expected)
    {
        Assert.Equal(expected, PrometheusNaming.MetricName(instrument, unit, counter, gauge));
    }

    [Theory]
    [InlineData(double.PositiveInfinity, "+Inf")]
    [InlineData(double.NegativeInfinity, "-Inf")]
    [InlineData(double.NaN, "NaN")]
    [InlineData(0.1, "0.1")]
    [InlineData(1e21, "1E+21")]
    public void FormatValue_SpecialValues_PrometheusSpelling(double value, string expected)
    {
        Assert.Equal(expected, PrometheusNaming.FormatValue(value));
    }
}
