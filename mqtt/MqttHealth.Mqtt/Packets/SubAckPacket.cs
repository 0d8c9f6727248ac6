using MqttHealth.Mqtt.Protocol;

namespace MqttHealth.Mqtt.Packets;

/// <summary>SUBACK: one Reason Code per Topic Filter of the SUBSCRIBE, in order (5.0 §3.9).</summary>
public sealed class SubAckPacket : MqttPacket
{
    public override MqttPacketType Type => MqttPacketType.SubAck;

    public ushort PacketId { get; set; }

    /// <summary>Granted QoS 0-2, or a failure code (only 0x80 exists in 3.1.1).</summary>
    public IList<ReasonCode> ReasonCodes { get; set; } = [];

    /// <summary>SUBACK Properties (MQTT 5.0 only); null means none.</summary>
    public MqttProperties? Properties { get; set; }
}
