using MqttHealth.Bench.Load.Brokers;

namespace MqttHealth.Bench.Load.Scenarios;

/// <summary>How the publishers are driven.</summary>
/// <param name="DeliveriesPerSecond">
/// Null: saturation, as fast as the broker delivers, with a bounded end-to-end window per publisher (a publisher
/// waits once <see cref="ScenarioRunner.WindowPerPublisher"/> of its messages are published but not yet delivered).
/// A value: paced at that many deliveries per second in all (publishes per second = this / deliveries per publish).
/// </param>
internal sealed record RunMode(double? DeliveriesPerSecond)
{
    public static readonly RunMode Saturation = new((double?)null);

    public bool IsPaced => DeliveriesPerSecond is not null;
}

/// <summary>
/// What one run of one scenario against one broker measured. Rates, latencies and the broker's CPU time cover the
/// measurement interval only (after the warm-up); latencies are those of the messages sent during it, from the
/// send timestamp in the payload to the subscriber's receipt. Peak RSS covers the whole run, connections included.
/// </summary>
internal sealed record RunResult(
    BrokerKind Broker,
    Scenario Scenario,
    RunMode Mode,
    int Round,
    double Seconds,
    long Published,
    long Delivered,
    long Acknowledged,
    LatencySummary Latency,
    double BrokerCpuSeconds,
    long BrokerPeakRssBytes,
    double GeneratorCpuSeconds,
    long Lost,
    string? Error)
{
    public double DeliveredPerSecond => Delivered / Seconds;

    public double AcknowledgedPerSecond => Acknowledged / Seconds;

    public double PublishedPerSecond => Published / Seconds;

    /// <summary>The broker's CPU use over the interval, in percent of one core.</summary>
    public double BrokerCpuPercent => BrokerCpuSeconds / Seconds * 100;

    public double GeneratorCpuPercent => GeneratorCpuSeconds / Seconds * 100;

    /// <summary>The broker's CPU time per delivered message, in microseconds.</summary>
    public double BrokerCpuMicrosecondsPerDelivery => Delivered == 0 ? double.NaN : BrokerCpuSeconds / Delivered * 1e6;

    public bool Succeeded => Error is null;
}

/// <summary>Latency percentiles in microseconds, over <see cref="Samples"/> messages.</summary>
internal readonly record struct LatencySummary(long Samples, double P50, double P99, double P999, double Max);
