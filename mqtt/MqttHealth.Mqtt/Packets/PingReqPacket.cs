using MqttHealth.Mqtt.Protocol;

namespace MqttHealth.Mqtt.Packets;

/// <summary>PINGREQ: no variable header, no payload (5.0 §3.12). Stateless, so one instance serves all.</summary>
public sealed class PingReqPacket : MqttPacket
{
    public static readonly PingReqPacket Instance = new();

    public override MqttPacketType Type => MqttPacketType.PingReq;
}
