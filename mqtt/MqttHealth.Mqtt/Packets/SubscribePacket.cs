using MqttHealth.Mqtt.Protocol;

namespace MqttHealth.Mqtt.Packets;

/// <summary>SUBSCRIBE: one or more Topic Filters with options; fixed header flags 0010 (5.0 §3.8).</summary>
public sealed class SubscribePacket : MqttPacket
{
    public override MqttPacketType Type => MqttPacketType.Subscribe;

    public ushort PacketId { get; set; }

    public IList<MqttSubscription> Subscriptions { get; set; } = [];

    /// <summary>SUBSCRIBE Properties (MQTT 5.0 only); null means none.</summary>
    public MqttProperties? Properties { get; set; }
}
