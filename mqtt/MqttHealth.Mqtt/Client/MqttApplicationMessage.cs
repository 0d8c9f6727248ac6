using MqttHealth.Mqtt.Protocol;

namespace MqttHealth.Mqtt.Client;

/// <summary>
/// A message received from the server. <see cref="Topic"/> is always the full Topic Name (a topic alias the
/// server used is already resolved and removed from <see cref="Properties"/>).
/// </summary>
public sealed class MqttApplicationMessage
{
    private static readonly uint[] NoIdentifiers = [];

    public MqttApplicationMessage(string topic, ReadOnlyMemory<byte> payload, QualityOfService qos, bool retain, bool dup, MqttProperties? properties)
    {
        Topic = topic;
        Payload = payload;
        QoS = qos;
        Retain = retain;
        Dup = dup;
        Properties = properties;
    }

    public string Topic { get; }

    public ReadOnlyMemory<byte> Payload { get; }

    public QualityOfService QoS { get; }

    public bool Retain { get; }

    public bool Dup { get; }

    /// <summary>PUBLISH properties (5.0); null when there were none.</summary>
    public MqttProperties? Properties { get; }

    /// <summary>The Subscription Identifiers of the subscriptions that matched (5.0); empty when none.</summary>
    public IReadOnlyList<uint> SubscriptionIdentifiers => Properties?.SubscriptionIdentifierList ?? (IReadOnlyList<uint>)NoIdentifiers;
}
