using MqttHealth.Mqtt.Protocol;

namespace MqttHealth.Mqtt.Packets;

/// <summary>PUBREL: releases a QoS 2 message; fixed header flags 0010 (5.0 §3.6).</summary>
public sealed class PubRelPacket : PublishAcknowledgementPacket
{
    public override MqttPacketType Type => MqttPacketType.PubRel;
}
