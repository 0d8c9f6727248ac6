using MqttHealth.Mqtt.Protocol;

namespace MqttHealth.Broker.Engine;

/// <summary>One session's share of a message, merged over its overlapping subscriptions [MQTT-3.3.4-2, -3.3.4-3].</summary>
internal struct RouteTarget
{
    public Session Session;
    public QualityOfService QoS;
    public bool Retain;
    public uint SingleIdentifier;
    public List<uint>? MoreIdentifiers;
}
