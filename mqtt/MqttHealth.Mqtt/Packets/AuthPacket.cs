using MqttHealth.Mqtt.Protocol;

namespace MqttHealth.Mqtt.Packets;

/// <summary>AUTH: enhanced authentication exchange, MQTT 5.0 only (5.0 §3.15).</summary>
public sealed class AuthPacket : MqttPacket
{
    public override MqttPacketType Type => MqttPacketType.Auth;

    public ReasonCode ReasonCode { get; set; } = ReasonCode.Success;

    /// <summary>AUTH Properties; null means none.</summary>
    public MqttProperties? Properties { get; set; }
}
