using System.IO.Pipelines;
using Microsoft.Extensions.Options;
using MqttHealth.Broker.Observability;
using MqttHealth.Broker.Options;
using MqttHealth.Broker.Storage;

namespace MqttHealth.Broker.Engine;

/// <summary>The broker engine: sessions, routing, delivery and storage. Listeners hand it connections.</summary>
public sealed partial class MqttBroker : IAsyncDisposable
{
    public MqttBroker(IOptions<BrokerOptions> options, IBrokerStore store, BrokerMetrics metrics, ILoggerFactory loggerFactory, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(loggerFactory);
        _ = store;
        _ = metrics;
        _ = timeProvider;
    }

    /// <summary>Loads the stored state (throws <see cref="BrokerStoreException"/> on a corrupt database) and starts timers.</summary>
    public void Start() => throw new NotImplementedException("engine under construction");

    /// <summary>Runs one MQTT connection until it ends. The listener's transport must not be used by anyone else meanwhile.</summary>
    public Task HandleConnectionAsync(IDuplexPipe transport, MqttTransportInfo info, CancellationToken connectionClosed) => throw new NotImplementedException("engine under construction");

    /// <summary>Stops taking connections and tells MQTT 5 clients DISCONNECT 0x8B (Server shutting down), then closes them all.</summary>
    public void BeginShutdown() => throw new NotImplementedException("engine under construction");

    /// <summary>Waits for storage to be flushed (everything acknowledged is durable) and releases it.</summary>
    public Task StopAsync(CancellationToken cancellationToken) => throw new NotImplementedException("engine under construction");

    /// <summary>Publishes a broker-generated message ($SYS/...) as QoS 0 to matching subscribers.</summary>
    public void PublishSystemMessage(string topic, ReadOnlyMemory<byte> payload, bool retain) => throw new NotImplementedException("engine under construction");

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
