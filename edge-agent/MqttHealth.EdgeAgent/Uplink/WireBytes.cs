using MqttHealth.Mqtt.Codec;
using MqttHealth.Mqtt.Packets;
using MqttHealth.Mqtt.Protocol;

namespace MqttHealth.EdgeAgent.Uplink;

/// <summary>
/// MQTT bytes one publish costs on the wire: the PUBLISH packet as the client encodes it on this connection (topic
/// alias included: the first PUBLISH of a topic carries topic and alias, later ones the alias alone, mirroring the
/// client's first-come-first-served alias map) plus the acknowledgement flow (PUBACK; PUBREC, PUBREL, PUBCOMP), 4 bytes
/// each. TCP/IP and TLS framing are not counted. One instance per connection.
/// </summary>
public sealed class WireBytes
{
    private const int AckPacket = 4;
    private readonly Dictionary<string, ushort> _aliases = new(StringComparer.Ordinal);
    private readonly ushort _maximum;

    public WireBytes(ushort topicAliasMaximum) => _maximum = topicAliasMaximum;

    public int Measure(string topic, ReadOnlyMemory<byte> payload, int qos, bool retain)
    {
        var packet = new PublishPacket { Topic = topic, Payload = payload, QoS = (QualityOfService)qos, Retain = retain, PacketId = 1 };
        if (_aliases.TryGetValue(topic, out ushort alias))
        {
            packet.Topic = string.Empty;
            packet.Properties = new MqttProperties { TopicAlias = alias };
        }
        else if (_aliases.Count < _maximum)
        {
            alias = (ushort)(_aliases.Count + 1);
            _aliases.Add(topic, alias);
            packet.Properties = new MqttProperties { TopicAlias = alias };
        }

        int acks = qos switch { 1 => AckPacket, 2 => 3 * AckPacket, _ => 0 };
        return MqttPacketEncoder.GetPacketSize(packet, MqttProtocolVersion.V500) + acks;
    }
}
