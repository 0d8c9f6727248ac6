using MqttHealth.Mqtt.Protocol;

namespace MqttHealth.Mqtt.Packets;

/// <summary>An MQTT Control Packet, decoded or about to be encoded. One sealed type per packet type.</summary>
public abstract class MqttPacket
{
    /// <summary>The Control Packet type (5.0 §2.1.2).</summary>
    public abstract MqttPacketType Type { get; }
}
