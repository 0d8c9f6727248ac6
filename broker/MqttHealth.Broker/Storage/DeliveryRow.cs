using MqttHealth.Broker.Messages;
using MqttHealth.Mqtt.Protocol;

namespace MqttHealth.Broker.Storage;

/// <summary>A deliveries row as read, before its message id is resolved to the shared <see cref="BrokerMessage"/>.</summary>
internal readonly record struct DeliveryRow(
    string ClientId,
    long Sequence,
    long MessageId,
    QualityOfService QoS,
    bool Retain,
    uint[] SubscriptionIdentifiers,
    DeliveryState State,
    ushort PacketId)
{
    public StoredDelivery ToDelivery(BrokerMessage message) =>
        new(Sequence, message, QoS, Retain, SubscriptionIdentifiers, State, PacketId);
}
