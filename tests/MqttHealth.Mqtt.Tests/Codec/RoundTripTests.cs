using System.Buffers;
using MqttHealth.Mqtt.Codec;
using MqttHealth.Mqtt.Packets;
using MqttHealth.Mqtt.Protocol;

namespace MqttHealth.Mqtt.Tests.Codec;

/// <summary>encode → frame → decode gives the same packet, and decode → encode gives the same bytes.</summary>
public class RoundTripTests
{
    [Theory]
    [MemberData(nameof(PacketCatalogue.All), MemberType = typeof(PacketCatalogue))]
    public void EncodeThenDecode_CataloguePacket_GivesEqualPacket(PacketSample sample)
    {
        byte[] bytes = Wire.Encode(sample.Packet, sample.Version);

        MqttPacket decoded = Wire.DecodeSingle(bytes, sample.Version, sample.Direction);

        PacketAssert.Equal(sample.Packet, decoded);
    }

    [Theory]
    [MemberData(nameof(PacketCatalogue.All), MemberType = typeof(PacketCatalogue))]
    public void DecodeThenEncode_CataloguePacket_ReproducesTheBytes(PacketSample sample)
    {
        byte[] bytes = Wire.Encode(sample.Packet, sample.Version);
        MqttPacket decoded = Wire.DecodeSingle(bytes, sample.Version, sample.Direction);

        byte[] again = Wire.Encode(decoded, sample.Version);

        Assert.Equal(Convert.ToHexString(bytes), Convert.ToHexString(again));
    }

    [Theory]
    [MemberData(nameof(PacketCatalogue.All), MemberType = typeof(PacketCatalogue))]
    public void GetPacketSize_CataloguePacket_EqualsBytesWritten(PacketSample sample)
    {
        var writer = new ArrayBufferWriter<byte>();
        writer.Write(new byte[] { 0xAA, 0xBB }); // something already in the buffer: Encode must only append

        int returned = MqttPacketEncoder.Encode(sample.Packet, sample.Version, writer);

        Assert.Equal(writer.WrittenCount - 2, returned);
        Assert.Equal(returned, MqttPacketEncoder.GetPacketSize(sample.Packet, sample.Version));
        Assert.Equal(new byte[] { 0xAA, 0xBB }, writer.WrittenSpan[..2].ToArray());
        var rest = new ReadOnlySequence<byte>(writer.WrittenMemory[2..]);
        Assert.True(MqttFrameReader.TryReadFrame(ref rest, Wire.NoLimit, out MqttFrame frame));
        Assert.Equal(returned, frame.PacketSize);
        Assert.True(rest.IsEmpty);
    }

    [Theory]
    [MemberData(nameof(PacketCatalogue.All), MemberType = typeof(PacketCatalogue))]
    public void Encode_CataloguePacket_WritesTheFixedHeaderOfTable2_2(PacketSample sample)
    {
        byte[] bytes = Wire.Encode(sample.Packet, sample.Version);

        // 5.0 §2.1.2-2.1.3 / 3.1.1 §2.2: type in the high nibble; flags 0010 for PUBREL, SUBSCRIBE and
        // UNSUBSCRIBE, DUP/QoS/RETAIN for PUBLISH, 0000 otherwise.
        int expectedFlags = sample.Packet switch
        {
            PublishPacket p => (p.Dup ? 8 : 0) | ((int)p.QoS << 1) | (p.Retain ? 1 : 0),
            PubRelPacket or SubscribePacket or UnsubscribePacket => 2,
            _ => 0,
        };
        Assert.Equal((int)sample.Packet.Type, bytes[0] >> 4);
        Assert.Equal(expectedFlags, bytes[0] & 0x0F);

        // The Remaining Length counts every byte after itself.
        (int remaining, int lengthBytes) = Wire.ReadRemainingLength(bytes);
        Assert.Equal(bytes.Length - 1 - lengthBytes, remaining);
    }

    [Theory]
    [MemberData(nameof(PacketCatalogue.Publishes), MemberType = typeof(PacketCatalogue))]
    public void DecodePublish_CataloguePublish_ViewAgreesWithPacket(PacketSample sample)
    {
        var publish = (PublishPacket)sample.Packet;
        var buffer = new ReadOnlySequence<byte>(Wire.Encode(publish, sample.Version));
        Assert.True(MqttFrameReader.TryReadFrame(ref buffer, Wire.NoLimit, out MqttFrame frame));

        PublishPacketView view = MqttPacketDecoder.DecodePublish(frame, sample.Version, sample.Direction);

        Assert.Equal(publish.Dup, view.Dup);
        Assert.Equal(publish.QoS, view.QoS);
        Assert.Equal(publish.Retain, view.Retain);
        Assert.Equal(System.Text.Encoding.UTF8.GetBytes(publish.Topic), view.Topic.ToArray());
        Assert.Equal(publish.PacketId, view.PacketId);
        Assert.Equal(publish.Payload.ToArray(), view.Payload.ToArray());
        Assert.Equal(publish.Properties?.TopicAlias ?? 0, view.TopicAlias);
        Assert.Equal(publish.Properties?.MessageExpiryInterval, view.MessageExpiryInterval);
        Assert.Equal(publish.Properties?.PayloadFormatIndicator, view.PayloadFormatIndicator);
        Assert.Equal(publish.Properties?.SubscriptionIdentifiers.Count ?? 0, view.SubscriptionIdentifierCount);
        if (sample.Version == MqttProtocolVersion.V311)
        {
            Assert.True(view.RawProperties.IsEmpty);
        }

        PacketAssert.Equal(publish, view.ToPacket());
    }

    /// <summary>
    /// A string the decoder would reject [MQTT-1.5.4-2] or could not give back [MQTT-1.5.4-1] must be refused by the
    /// encoder before anything is written, in every place a UTF-8 Encoded String goes.
    /// </summary>
    [Theory]
    [InlineData("topic", 0x0000)]
    [InlineData("topic", 0xD800)]
    [InlineData("client id", 0x0000)]
    [InlineData("client id", 0xDFFF)]
    [InlineData("will topic", 0x0000)]
    [InlineData("user name", 0xDBFF)]
    [InlineData("topic filter", 0x0000)]
    [InlineData("unsubscribe filter", 0xDC00)]
    [InlineData("content type", 0x0000)]
    [InlineData("user property name", 0xD800)]
    [InlineData("user property value", 0x0000)]
    [InlineData("reason string", 0xDFFF)]
    public void Encode_StringThatIsNotValidMqttUtf8_ThrowsBeforeWriting(string field, int code)
    {
        string bad = $"a{(char)code}b";
        MqttPacket packet = field switch
        {
            "topic" => new PublishPacket { Topic = bad },
            "client id" => new ConnectPacket { ClientId = bad },
            "will topic" => new ConnectPacket { ClientId = "c", Will = new MqttWill { Topic = bad } },
            "user name" => new ConnectPacket { ClientId = "c", UserName = bad },
            "topic filter" => new SubscribePacket { PacketId = 1, Subscriptions = [new MqttSubscription(bad, QualityOfService.AtMostOnce)] },
            "unsubscribe filter" => new UnsubscribePacket { PacketId = 1, TopicFilters = [bad] },
            "content type" => new PublishPacket { Topic = "t", Properties = new MqttProperties { ContentType = bad } },
            "user property name" => new PubAckPacket { PacketId = 1, Properties = new MqttProperties { UserProperties = { new(bad, "v") } } },
            "user property value" => new DisconnectPacket { Properties = new MqttProperties { UserProperties = { new("n", bad) } } },
            "reason string" => new SubAckPacket { PacketId = 1, ReasonCodes = [ReasonCode.GrantedQoS0], Properties = new MqttProperties { ReasonString = bad } },
            _ => throw new ArgumentOutOfRangeException(nameof(field)),
        };
        var writer = new ArrayBufferWriter<byte>();

        Assert.ThrowsAny<ArgumentException>(() => MqttPacketEncoder.Encode(packet, MqttProtocolVersion.V500, writer));

        Assert.Equal(0, writer.WrittenCount);
    }

    [Theory]
    [MemberData(nameof(PacketCatalogue.All), MemberType = typeof(PacketCatalogue))]
    public void Decode_WithUnspecifiedDirection_AcceptsEveryValidPacket(PacketSample sample)
    {
        // Unspecified checks only the rules common to both senders, so every valid packet passes.
        byte[] bytes = Wire.Encode(sample.Packet, sample.Version);

        MqttPacket decoded = Wire.DecodeSingle(bytes, sample.Version, PacketDirection.Unspecified);

        PacketAssert.Equal(sample.Packet, decoded);
    }
}
