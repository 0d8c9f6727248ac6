using MqttHealth.Bench.Load.Measurement;

namespace MqttHealth.Bench.Load.Brokers;

/// <summary>One running broker process that the load generator measures.</summary>
internal abstract class BrokerUnderTest : IAsyncDisposable
{
    protected BrokerUnderTest(BrokerKind kind) => Kind = kind;

    public BrokerKind Kind { get; }

    /// <summary>Its MQTT port on 127.0.0.1 (it listens on loopback only).</summary>
    public abstract int Port { get; }

    /// <summary>Its process id, for CPU time and memory from /proc.</summary>
    public abstract int ProcessId { get; }

    /// <summary>Version and the configuration that matters for the comparison, for the report.</summary>
    public abstract string Description { get; }

    /// <summary>Starts a broker of the given kind and waits until its MQTT port accepts connections.</summary>
    public static async Task<BrokerUnderTest> StartAsync(BrokerKind kind, CancellationToken cancellationToken) => kind switch
    {
        BrokerKind.Mosquitto => await MosquittoUnderTest.LaunchAsync(cancellationToken).ConfigureAwait(false),
        _ => await MqttHealthUnderTest.LaunchAsync(kind, cancellationToken).ConfigureAwait(false),
    };

    /// <summary>CPU time and memory of the broker process now.</summary>
    public ProcessSample Sample() => ProcessStats.Read(ProcessId);

    /// <summary>Resets the process's peak resident set size (VmHWM) to its current RSS, so a run's peak is its own.</summary>
    public void ResetPeakMemory() => ProcessStats.ResetPeak(ProcessId);

    public abstract ValueTask DisposeAsync();
}
