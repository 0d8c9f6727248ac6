using MqttHealth.Mqtt.Protocol;

namespace MqttHealth.Mqtt.Packets;

/// <summary>UNSUBSCRIBE: one or more Topic Filters to remove; fixed header flags 0010 (5.0 §3.10).</summary>
public sealed class UnsubscribePacket : MqttPacket
{
    public override MqttPacketType Type => MqttPacketType.Unsubscribe;

    public ushort PacketId { get; set; }

    public IList<string> TopicFilters { get; set; } = [];

    /// <summary>UNSUBSCRIBE Properties (MQTT 5.0 only); null means none.</summary>
    public MqttProperties? Properties { get; set; }
}
