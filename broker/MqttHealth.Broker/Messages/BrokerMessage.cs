using MqttHealth.Mqtt.Protocol;

namespace MqttHealth.Broker.Messages;

/// <summary>
/// One application message as the broker holds it: received once, stored once, referenced by every
/// delivery (queue entry) that carries it. Immutable after construction, so it is shared across sessions
/// and threads without copying.
/// </summary>
public sealed class BrokerMessage
{
    public BrokerMessage(
        long id,
        string topic,
        ReadOnlyMemory<byte> payload,
        QualityOfService qos,
        bool retain,
        string? publisherClientId,
        long? expiresAtUnixMs = null,
        PayloadFormat? payloadFormat = null,
        string? contentType = null,
        string? responseTopic = null,
        ReadOnlyMemory<byte>? correlationData = null,
        IReadOnlyList<MqttUserProperty>? userProperties = null)
    {
        Id = id;
        Topic = topic;
        Payload = payload;
        QoS = qos;
        Retain = retain;
        PublisherClientId = publisherClientId;
        ExpiresAtUnixMs = expiresAtUnixMs;
        PayloadFormat = payloadFormat;
        ContentType = contentType;
        ResponseTopic = responseTopic;
        CorrelationData = correlationData;
        UserProperties = userProperties;
    }

    /// <summary>Broker-wide id, unique across restarts (the storage key).</summary>
    public long Id { get; }

    public string Topic { get; }

    public ReadOnlyMemory<byte> Payload { get; }

    /// <summary>The QoS the publisher used; each delivery sends min(this, granted QoS).</summary>
    public QualityOfService QoS { get; }

    /// <summary>The RETAIN flag as published (forwarded only with Retain As Published).</summary>
    public bool Retain { get; }

    /// <summary>Who published it (null for broker-generated messages such as $SYS); drives No Local.</summary>
    public string? PublisherClientId { get; }

    /// <summary>Absolute expiry (Unix ms) from the Message Expiry Interval; null = never expires.</summary>
    public long? ExpiresAtUnixMs { get; }

    // Properties forwarded unchanged to subscribers [MQTT-3.3.2-4, -3.3.2-15, -3.3.2-16, -3.3.2-17, -3.3.2-20].
    public PayloadFormat? PayloadFormat { get; }

    public string? ContentType { get; }

    public string? ResponseTopic { get; }

    public ReadOnlyMemory<byte>? CorrelationData { get; }

    /// <summary>User Properties in the publisher's order [MQTT-3.3.2-18].</summary>
    public IReadOnlyList<MqttUserProperty>? UserProperties { get; }

    /// <summary>The same message under a new id and expiry (a will is built at CONNECT, numbered and timed when it is published).</summary>
    public BrokerMessage Reissue(long id, long? expiresAtUnixMs) =>
        new(id, Topic, Payload, QoS, Retain, PublisherClientId, expiresAtUnixMs, PayloadFormat, ContentType, ResponseTopic, CorrelationData, UserProperties);

    public bool IsExpired(long nowUnixMs) => ExpiresAtUnixMs is { } at && nowUnixMs >= at;
}
