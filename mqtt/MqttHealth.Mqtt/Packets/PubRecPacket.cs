using MqttHealth.Mqtt.Protocol;

namespace MqttHealth.Mqtt.Packets;

/// <summary>PUBREC: first answer to a QoS 2 PUBLISH (5.0 §3.5).</summary>
public sealed class PubRecPacket : PublishAcknowledgementPacket
{
    public override MqttPacketType Type => MqttPacketType.PubRec;
}
