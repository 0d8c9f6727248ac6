using MqttHealth.Broker.Tests.Infrastructure;
using MqttHealth.Mqtt.Codec;
using MqttHealth.Mqtt.Packets;
using MqttHealth.Mqtt.Protocol;
using static MqttHealth.Broker.Tests.Infrastructure.EngineClients;

namespace MqttHealth.Broker.Tests.Engine;

/// <summary>Maximum Packet Size in both directions (5.0 §3.1.2.11.4, §3.2.2.3.6).</summary>
public class MaximumPacketSizeTests
{
    [Theory]
    [InlineData(QualityOfService.AtMostOnce)]
    [InlineData(QualityOfService.AtLeastOnce)]
    [InlineData(QualityOfService.ExactlyOnce)]
    public async Task ClientMaximumPacketSize_LargerMessage_NotSentToThatClientButToOthers(QualityOfService qos)
    {
        await using var broker = InProcessBroker.Start();
        var topic = NewTopic();
        await using var small = await RawMqttConnection.ConnectedAsync(broker.Port, RawMqttConnection.Connect(NewClientId(), maximumPacketSize: 200));
        await small.SubscribeAsync(topic, qos);
        await using var unlimited = await SubscriberAsync(broker, topic, qos);
        await using var publisher = await ConnectAsync(broker);

        await publisher.PublishAsync(topic, new byte[500], qos);
        await publisher.PublishAsync(topic, Bytes("fits"), qos);

        // [MQTT-3.1.2-25]: a packet over the client's maximum is discarded as if delivered; the next one arrives.
        var first = await small.ExpectPublishAsync();
        Assert.Equal("fits", Text(first.Payload));
        Assert.Equal(500, (await unlimited.ReadAsync()).Payload.Length);
        Assert.Equal("fits", Text(await unlimited.ReadAsync()));
        Assert.Equal(1, broker.Metrics.MessagesDropped);
    }

    [Fact]
    public async Task ClientMaximumPacketSize_LargerQos1MessageDiscarded_DoesNotHoldAReceiveMaximumSlot()
    {
        await using var broker = InProcessBroker.Start();
        var topic = NewTopic();
        await using var small = await RawMqttConnection.ConnectedAsync(broker.Port, RawMqttConnection.Connect(NewClientId(), maximumPacketSize: 200, receiveMaximum: 1));
        await small.SubscribeAsync(topic, QualityOfService.AtLeastOnce);
        await using var publisher = await ConnectAsync(broker);

        await publisher.PublishAsync(topic, new byte[500], QualityOfService.AtLeastOnce);
        await publisher.PublishAsync(topic, Bytes("fits"), QualityOfService.AtLeastOnce);

        // The discarded message counts as delivered, so the window of one is free for the next.
        Assert.Equal("fits", Text((await small.ExpectPublishAsync()).Payload));
    }

    [Fact]
    public async Task OurMaximumPacketSize_LargerPacketFromClient_Disconnect0x95()
    {
        await using var broker = InProcessBroker.Start(o => o.MaximumPacketSize = 1024);
        await using var raw = await RawMqttConnection.ConnectedAsync(broker.Port, RawMqttConnection.Connect(NewClientId()));
        Assert.Equal(1024u, raw.LastConnAck!.Properties?.MaximumPacketSize);

        await raw.SendAsync(new PublishPacket { Topic = NewTopic(), Payload = new byte[2000], QoS = QualityOfService.AtLeastOnce, PacketId = 1 });

        // 5.0 §3.2.2.3.6 / §4.13: a packet over our Maximum Packet Size is answered with DISCONNECT 0x95.
        await raw.ExpectDisconnectAndCloseAsync(ReasonCode.PacketTooLarge);
    }

    [Fact]
    public async Task OurMaximumPacketSize_PacketAtTheLimit_Accepted()
    {
        await using var broker = InProcessBroker.Start(o => o.MaximumPacketSize = 1024);
        await using var raw = await RawMqttConnection.ConnectedAsync(broker.Port, RawMqttConnection.Connect(NewClientId()));
        var packet = new PublishPacket { Topic = "t", QoS = QualityOfService.AtLeastOnce, PacketId = 1 };
        packet.Payload = new byte[1024 - MqttPacketEncoder.GetPacketSize(packet, MqttProtocolVersion.V500) - 1];
        Assert.Equal(1024, MqttPacketEncoder.GetPacketSize(packet, MqttProtocolVersion.V500));

        await raw.SendAsync(packet);

        var ack = await raw.ExpectAsync<PubAckPacket>();
        Assert.Equal(ReasonCode.NoMatchingSubscribers, ack.ReasonCode);
    }

    [Fact]
    public async Task ServerDisconnect_WithReasonString_NotLargerThanTheClientMaximumPacketSize()
    {
        await using var broker = InProcessBroker.Start();
        await using var raw = await RawMqttConnection.ConnectedAsync(broker.Port, RawMqttConnection.Connect(NewClientId(), maximumPacketSize: 32));

        await raw.SendAsync(RawMqttConnection.Connect("again"));
        var bytes = await raw.ReadRawAsync();

        // [MQTT-3.14.2-3]: no Reason String if it would make the DISCONNECT larger than the receiver's
        // Maximum Packet Size; [MQTT-3.1.2-24]: the server never sends a larger packet.
        Assert.NotNull(bytes);
        Assert.Equal(0xE0, bytes[0]);
        Assert.True(bytes.Length <= 32, $"DISCONNECT of {bytes.Length} bytes to a client whose Maximum Packet Size is 32");
        Assert.Equal(0x82, bytes[2]);
    }
}
