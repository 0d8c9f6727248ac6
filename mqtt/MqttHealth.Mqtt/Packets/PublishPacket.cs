using MqttHealth.Mqtt.Protocol;

namespace MqttHealth.Mqtt.Packets;

/// <summary>
/// PUBLISH: an Application Message (5.0 §3.3). This class owns its topic and payload; the broker's hot
/// path reads a <see cref="Codec.PublishPacketView"/> instead, which only points into the receive buffer.
/// </summary>
public sealed class PublishPacket : MqttPacket
{
    public override MqttPacketType Type => MqttPacketType.Publish;

    public bool Dup { get; set; }

    public QualityOfService QoS { get; set; }

    public bool Retain { get; set; }

    /// <summary>Topic Name; may be empty in MQTT 5.0 when a Topic Alias property stands for it.</summary>
    public string Topic { get; set; } = string.Empty;

    /// <summary>Packet Identifier; present only when QoS is 1 or 2.</summary>
    public ushort PacketId { get; set; }

    public ReadOnlyMemory<byte> Payload { get; set; }

    /// <summary>PUBLISH Properties (MQTT 5.0 only); null means none.</summary>
    public MqttProperties? Properties { get; set; }
}
