using MqttHealth.Broker.Messages;
using MqttHealth.Mqtt.Protocol;

namespace MqttHealth.Broker.Storage;

/// <summary>One message queued for, or in flight to, one session.</summary>
/// <param name="Sequence">Per-session, strictly increasing; the queue order. The packet id is derived from it.</param>
/// <param name="Message">The shared message (stored once, see <see cref="SaveMessage"/>).</param>
/// <param name="QoS">The QoS of this delivery: min(published, granted).</param>
/// <param name="Retain">The RETAIN flag to send.</param>
/// <param name="SubscriptionIdentifiers">Subscription Identifiers to send with it; empty for none.</param>
/// <param name="State">Where the delivery is in the QoS flow.</param>
/// <param name="PacketId">The packet id it was sent with (0 while queued).</param>
public sealed record StoredDelivery(
    long Sequence,
    BrokerMessage Message,
    QualityOfService QoS,
    bool Retain,
    IReadOnlyList<uint> SubscriptionIdentifiers,
    DeliveryState State,
    ushort PacketId);
