using System.Diagnostics.Metrics;

namespace MqttHealth.Broker.Observability;

/// <summary>
/// The broker's instruments (meter <c>MqttHealth.Broker</c>). The engine records; /metrics exports them in
/// Prometheus text format and the $SYS publisher reads the same totals, so the two never disagree.
/// Counters are also kept as plain totals (Interlocked) for $SYS and tests.
/// </summary>
public sealed class BrokerMetrics : IDisposable
{
    public const string MeterName = "MqttHealth.Broker";

    private readonly Meter _meter;
    private readonly Counter<long> _messagesReceived;
    private readonly Counter<long> _messagesSent;
    private readonly Counter<long> _bytesReceived;
    private readonly Counter<long> _bytesSent;
    private readonly Counter<long> _messagesDropped;
    private readonly Counter<long> _connectionsAccepted;
    private long _clientsConnected;
    private long _messagesQueued;
    private long _messagesReceivedTotal;
    private long _messagesSentTotal;
    private long _bytesReceivedTotal;
    private long _bytesSentTotal;
    private long _messagesDroppedTotal;
    private long _retainedMessages;
    private long _sessions;

    public BrokerMetrics(IMeterFactory? meterFactory = null)
    {
        _meter = meterFactory?.Create(MeterName) ?? new Meter(MeterName);
        _messagesReceived = _meter.CreateCounter<long>("mqtthealth.messages.received", "{message}", "PUBLISH packets received from clients");
        _messagesSent = _meter.CreateCounter<long>("mqtthealth.messages.sent", "{message}", "PUBLISH packets sent to clients");
        _bytesReceived = _meter.CreateCounter<long>("mqtthealth.bytes.received", "By", "MQTT bytes received");
        _bytesSent = _meter.CreateCounter<long>("mqtthealth.bytes.sent", "By", "MQTT bytes sent");
        _messagesDropped = _meter.CreateCounter<long>("mqtthealth.messages.dropped", "{message}", "messages not delivered: queue overflow, expiry, slow QoS 0 consumer");
        _connectionsAccepted = _meter.CreateCounter<long>("mqtthealth.connections.accepted", "{connection}", "CONNECTs accepted");
        _meter.CreateObservableGauge("mqtthealth.clients.connected", () => Volatile.Read(ref _clientsConnected), "{client}", "clients connected now");
        _meter.CreateObservableGauge("mqtthealth.messages.queued", () => Volatile.Read(ref _messagesQueued), "{message}", "messages queued or in flight to sessions");
        _meter.CreateObservableGauge("mqtthealth.retained.messages", () => Volatile.Read(ref _retainedMessages), "{message}", "retained messages");
        _meter.CreateObservableGauge("mqtthealth.sessions", () => Volatile.Read(ref _sessions), "{session}", "sessions, connected or not");
    }

    public long ClientsConnected => Volatile.Read(ref _clientsConnected);

    public long MessagesQueued => Volatile.Read(ref _messagesQueued);

    public long MessagesReceived => Volatile.Read(ref _messagesReceivedTotal);

    public long MessagesSent => Volatile.Read(ref _messagesSentTotal);

    public long BytesReceived => Volatile.Read(ref _bytesReceivedTotal);

    public long BytesSent => Volatile.Read(ref _bytesSentTotal);

    public long MessagesDropped => Volatile.Read(ref _messagesDroppedTotal);

    public long RetainedMessages => Volatile.Read(ref _retainedMessages);

    public long Sessions => Volatile.Read(ref _sessions);

    public void MessageReceived()
    {
        Interlocked.Increment(ref _messagesReceivedTotal);
        _messagesReceived.Add(1);
    }

    public void MessageSent()
    {
        Interlocked.Increment(ref _messagesSentTotal);
        _messagesSent.Add(1);
    }

    public void BytesReceivedAdd(long count)
    {
        Interlocked.Add(ref _bytesReceivedTotal, count);
        _bytesReceived.Add(count);
    }

    public void BytesSentAdd(long count)
    {
        Interlocked.Add(ref _bytesSentTotal, count);
        _bytesSent.Add(count);
    }

    /// <summary>A message was not delivered; <paramref name="reason"/> is a short stable tag (overflow, expired, slow-consumer).</summary>
    public void MessageDropped(string reason)
    {
        Interlocked.Increment(ref _messagesDroppedTotal);
        _messagesDropped.Add(1, new KeyValuePair<string, object?>("reason", reason));
    }

    public void ClientConnected()
    {
        Interlocked.Increment(ref _clientsConnected);
        _connectionsAccepted.Add(1);
    }

    public void ClientDisconnected() => Interlocked.Decrement(ref _clientsConnected);

    public void QueuedChanged(long delta) => Interlocked.Add(ref _messagesQueued, delta);

    public void RetainedChanged(long delta) => Interlocked.Add(ref _retainedMessages, delta);

    public void SessionsChanged(long delta) => Interlocked.Add(ref _sessions, delta);

    public void Dispose() => _meter.Dispose();
}
