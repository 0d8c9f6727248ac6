using MqttHealth.Mqtt.Protocol;

namespace MqttHealth.Mqtt.Packets;

/// <summary>UNSUBACK: in 5.0 one Reason Code per Topic Filter; in 3.1.1 only the Packet Identifier (5.0 §3.11).</summary>
public sealed class UnsubAckPacket : MqttPacket
{
    public override MqttPacketType Type => MqttPacketType.UnsubAck;

    public ushort PacketId { get; set; }

    /// <summary>MQTT 5.0 only; empty on 3.1.1.</summary>
    public IList<ReasonCode> ReasonCodes { get; set; } = [];

    /// <summary>UNSUBACK Properties (MQTT 5.0 only); null means none.</summary>
    public MqttProperties? Properties { get; set; }
}
