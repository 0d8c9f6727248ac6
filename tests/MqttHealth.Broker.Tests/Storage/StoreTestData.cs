using System.Text;
using MqttHealth.Broker.Messages;
using MqttHealth.Broker.Storage;
using MqttHealth.Mqtt.Protocol;

namespace MqttHealth.Broker.Tests.Storage;

/// <summary>Builders for the records the store takes.</summary>
public static class StoreTestData
{
    public static StoredSession Session(string clientId, uint expiry = 3600, long? disconnectedAt = null, MqttProtocolVersion version = MqttProtocolVersion.V500, string? owner = null) =>
        new(clientId, version, expiry, disconnectedAt, owner);

    /// <summary>A message whose payload names its id ("message-00042 ..."), padded to <paramref name="size"/> bytes.</summary>
    public static BrokerMessage Message(long id, string topic = "sensors/a", int size = 32, QualityOfService qos = QualityOfService.AtLeastOnce, bool retain = false)
    {
        var text = $"message-{id:D5} ".PadRight(size, '.');
        return new BrokerMessage(id, topic, Encoding.ASCII.GetBytes(text), qos, retain, "publisher");
    }

    public static StoredDelivery Delivery(long sequence, BrokerMessage message, DeliveryState state = DeliveryState.Queued, ushort packetId = 0, params uint[] subscriptionIds) =>
        new(sequence, message, message.QoS, false, subscriptionIds, state, packetId);

    public static StoredSubscription Subscription(string filter, QualityOfService qos = QualityOfService.ExactlyOnce, uint? id = null) =>
        new(filter, qos, false, false, RetainHandling.SendAtSubscribe, id);
}
