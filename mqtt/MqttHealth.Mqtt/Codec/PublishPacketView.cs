using System.Buffers;
using MqttHealth.Mqtt.Packets;
using MqttHealth.Mqtt.Protocol;

namespace MqttHealth.Mqtt.Codec;

/// <summary>
/// A decoded and fully validated PUBLISH that points into the receive buffer instead of copying it: reading
/// one allocates nothing. Valid only until the buffer is released; call <see cref="ToPacket"/> to keep it.
/// </summary>
public readonly struct PublishPacketView
{
    private readonly PublishPropertySummary _summary;

    internal PublishPacketView(
        byte flags,
        ReadOnlySequence<byte> topic,
        ushort packetId,
        ReadOnlySequence<byte> properties,
        ReadOnlySequence<byte> payload,
        PublishPropertySummary summary)
    {
        Dup = (flags & 0x08) != 0;
        QoS = (QualityOfService)((flags >> 1) & 0x03);
        Retain = (flags & 0x01) != 0;
        Topic = topic;
        PacketId = packetId;
        RawProperties = properties;
        Payload = payload;
        _summary = summary;
    }

    public bool Dup { get; }

    public QualityOfService QoS { get; }

    public bool Retain { get; }

    /// <summary>Topic Name as validated UTF-8; empty when a Topic Alias stands for it.</summary>
    public ReadOnlySequence<byte> Topic { get; }

    public ushort PacketId { get; }

    /// <summary>The property section as received, Property Length excluded (empty on 3.1.1).</summary>
    public ReadOnlySequence<byte> RawProperties { get; }

    public ReadOnlySequence<byte> Payload { get; }

    /// <summary>Topic Alias property, or 0 when absent.</summary>
    public ushort TopicAlias => _summary.TopicAlias;

    public uint? MessageExpiryInterval => _summary.MessageExpiryInterval;

    public PayloadFormat? PayloadFormatIndicator => _summary.PayloadFormatIndicator;

    public int SubscriptionIdentifierCount => _summary.SubscriptionIdentifierCount;

    /// <summary>Copies the message into a <see cref="PublishPacket"/> that owns its data.</summary>
    public PublishPacket ToPacket()
    {
        MqttProperties? properties = null;
        if (!RawProperties.IsEmpty)
        {
            properties = new MqttProperties();
            var summary = default(PublishPropertySummary);
            var reader = new MqttBodyReader(RawProperties);
            MqttPropertyReader.ReadBody(ref reader, (int)MqttPacketType.Publish, properties, ref summary);
        }

        return new PublishPacket
        {
            Dup = Dup,
            QoS = QoS,
            Retain = Retain,
            Topic = MqttBodyReader.Decode(Topic),
            PacketId = PacketId,
            Payload = Payload.ToArray(),
            Properties = properties,
        };
    }
}
