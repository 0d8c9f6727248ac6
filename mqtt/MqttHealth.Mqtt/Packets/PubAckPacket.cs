using MqttHealth.Mqtt.Protocol;

namespace MqttHealth.Mqtt.Packets;

/// <summary>PUBACK: acknowledges a QoS 1 PUBLISH (5.0 §3.4).</summary>
public sealed class PubAckPacket : PublishAcknowledgementPacket
{
    public override MqttPacketType Type => MqttPacketType.PubAck;
}
