using MqttHealth.Broker.Messages;
using MqttHealth.Broker.Routing;
using MqttHealth.Broker.Storage;
using MqttHealth.Mqtt.Protocol;

namespace MqttHealth.Broker.Engine;

/// <summary>
/// One message on its way to one session: queued, in flight, or (QoS 2) released. Mutable, owned by the
/// session, touched only under the engine lock.
/// </summary>
internal sealed class Delivery
{
    public Delivery(long sequence, BrokerMessage message, QualityOfService qos, bool retain, uint[] subscriptionIdentifiers)
    {
        Sequence = sequence;
        Message = message;
        QoS = qos;
        Retain = retain;
        SubscriptionIdentifiers = subscriptionIdentifiers;
    }

    /// <summary>Per-session, strictly increasing; the packet id is derived from it (see <see cref="PacketIdFor"/>).</summary>
    public long Sequence { get; }

    public BrokerMessage Message { get; }

    public QualityOfService QoS { get; }

    public bool Retain { get; }

    public uint[] SubscriptionIdentifiers { get; }

    public DeliveryState State { get; set; }

    public ushort PacketId { get; set; }

    /// <summary>The shared subscription group it was chosen for, if any: on a lost connection it may go to another member.</summary>
    public SharedSubscriptionGroup<Session>? SharedGroup { get; set; }

    /// <summary>
    /// Packet ids come from the sequence, so a delivery keeps the same id across reconnects and restarts
    /// without a write at send time: ids cycle through 1..65535 [MQTT-2.2.1-3].
    /// </summary>
    public static ushort PacketIdFor(long sequence) => (ushort)(((sequence - 1) % 65535) + 1);

    public StoredDelivery ToStored() => new(Sequence, Message, QoS, Retain, SubscriptionIdentifiers, State, PacketId);
}
