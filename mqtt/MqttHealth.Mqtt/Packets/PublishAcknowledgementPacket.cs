using MqttHealth.Mqtt.Protocol;

namespace MqttHealth.Mqtt.Packets;

/// <summary>
/// The four packets of the QoS 1 and QoS 2 flows share one layout: Packet Identifier, then in 5.0 an
/// optional Reason Code and optional Properties (5.0 §3.4-§3.7).
/// </summary>
public abstract class PublishAcknowledgementPacket : MqttPacket
{
    public ushort PacketId { get; set; }

    /// <summary>Reason Code (MQTT 5.0); always Success on 3.1.1.</summary>
    public ReasonCode ReasonCode { get; set; }

    /// <summary>Properties (MQTT 5.0 only); null means none.</summary>
    public MqttProperties? Properties { get; set; }
}
