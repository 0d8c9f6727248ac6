using MqttHealth.Mqtt.Protocol;

namespace MqttHealth.Mqtt.Packets;

/// <summary>DISCONNECT: in 3.1.1 only from the client and empty; in 5.0 from either side with a Reason Code (5.0 §3.14).</summary>
public sealed class DisconnectPacket : MqttPacket
{
    public override MqttPacketType Type => MqttPacketType.Disconnect;

    public ReasonCode ReasonCode { get; set; } = ReasonCode.NormalDisconnection;

    /// <summary>DISCONNECT Properties (MQTT 5.0 only); null means none.</summary>
    public MqttProperties? Properties { get; set; }
}
