using MqttHealth.Mqtt.Protocol;

namespace MqttHealth.Mqtt.Packets;

/// <summary>PUBCOMP: completes the QoS 2 flow (5.0 §3.7).</summary>
public sealed class PubCompPacket : PublishAcknowledgementPacket
{
    public override MqttPacketType Type => MqttPacketType.PubComp;
}
