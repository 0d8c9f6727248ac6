using MqttHealth.Broker.Tests.Infrastructure;
using MqttHealth.Mqtt.Client;
using MqttHealth.Mqtt.Packets;
using MqttHealth.Mqtt.Protocol;
using static MqttHealth.Broker.Tests.Infrastructure.EngineClients;

namespace MqttHealth.Broker.Tests.Engine;

/// <summary>QoS 1 and 2 in both directions (5.0 §4.3, §4.4): acknowledgements, duplicates, redelivery with DUP.</summary>
public class QosFlowTests
{
    [Theory]
    [InlineData(QualityOfService.AtLeastOnce)]
    [InlineData(QualityOfService.ExactlyOnce)]
    public async Task Publish_NoSubscribers_V5AckReasonNoMatchingSubscribers(QualityOfService qos)
    {
        await using var broker = InProcessBroker.Start();
        await using var publisher = await ConnectAsync(broker);

        var result = await publisher.PublishAsync(NewTopic(), Bytes("x"), qos);

        // 5.0 §3.4.2.1 / §3.5.2.1: 0x10 No matching subscribers.
        Assert.Equal(ReasonCode.NoMatchingSubscribers, result.ReasonCode);
    }

    [Theory]
    [InlineData(QualityOfService.AtLeastOnce)]
    [InlineData(QualityOfService.ExactlyOnce)]
    public async Task Publish_WithSubscriber_AckSuccessAndDeliveredOnceAtThatQoS(QualityOfService qos)
    {
        await using var broker = InProcessBroker.Start();
        var topic = NewTopic();
        await using var subscriber = await SubscriberAsync(broker, topic, qos);
        await using var publisher = await ConnectAsync(broker);

        var result = await publisher.PublishAsync(topic, Bytes("x"), qos);
        await publisher.PublishAsync(topic, Bytes("marker"), QualityOfService.AtMostOnce);

        Assert.Equal(ReasonCode.Success, result.ReasonCode);
        var message = Assert.Single(await subscriber.ReadUntilAsync("marker"));
        Assert.Equal(("x", qos, false), (Text(message), message.QoS, message.Dup));
    }

    [Fact]
    public async Task Publish_V311Qos1_PlainPubAck()
    {
        await using var broker = InProcessBroker.Start();
        await using var raw = await RawMqttConnection.ConnectedAsync(broker.Port, RawMqttConnection.Connect(NewClientId(), MqttProtocolVersion.V311));

        await raw.PublishAsync(NewTopic(), "x", QualityOfService.AtLeastOnce, 5);

        // 3.1.1 §3.4: PUBACK is just the packet id (no reason code even with no subscribers).
        Assert.Equal(new byte[] { 0x40, 0x02, 0x00, 0x05 }, await raw.ReadRawAsync());
    }

    [Fact]
    public async Task Publish_AboveMaximumQoS_Disconnect0x9B()
    {
        await using var broker = InProcessBroker.Start(o => o.MaximumQoS = QualityOfService.AtLeastOnce);
        await using var raw = await RawMqttConnection.ConnectedAsync(broker.Port, RawMqttConnection.Connect(NewClientId()));

        await raw.PublishAsync(NewTopic(), "x", QualityOfService.ExactlyOnce, 1);

        // [MQTT-3.2.2-11] on the client's side; the server disconnects with 0x9B QoS not supported (5.0 §3.2.2.3.4).
        await raw.ExpectDisconnectAndCloseAsync(ReasonCode.QoSNotSupported);
    }

    [Fact]
    public async Task Qos2_ResentWithSamePacketIdBeforePubRel_ForwardedOnce()
    {
        await using var broker = InProcessBroker.Start();
        var topic = NewTopic();
        await using var subscriber = await SubscriberAsync(broker, topic);
        await using var raw = await RawMqttConnection.ConnectedAsync(broker.Port, RawMqttConnection.Connect(NewClientId()));

        await raw.PublishAsync(topic, "once", QualityOfService.ExactlyOnce, 7);
        Assert.Equal((ushort)7, (await raw.ExpectAsync<PubRecPacket>()).PacketId);
        await raw.PublishAsync(topic, "once", QualityOfService.ExactlyOnce, 7, dup: true);
        var again = await raw.ExpectAsync<PubRecPacket>();
        await raw.SendAsync(new PubRelPacket { PacketId = 7 });
        var comp = await raw.ExpectAsync<PubCompPacket>();
        await raw.PublishAsync(topic, "marker", QualityOfService.AtLeastOnce, 8);
        await raw.ExpectAsync<PubAckPacket>();

        // [MQTT-4.3.3-10]: until PUBREL, a PUBLISH with the same id is acknowledged but not delivered again.
        Assert.Equal((ushort)7, again.PacketId);
        Assert.Equal(ReasonCode.Success, again.ReasonCode);
        Assert.Equal(((ushort)7, ReasonCode.Success), (comp.PacketId, comp.ReasonCode));
        Assert.Equal("once", Text(Assert.Single(await subscriber.ReadUntilAsync("marker"))));
    }

    [Fact]
    public async Task Qos2_SamePacketIdAfterPubComp_NewMessageForwarded()
    {
        await using var broker = InProcessBroker.Start();
        var topic = NewTopic();
        await using var subscriber = await SubscriberAsync(broker, topic);
        await using var raw = await RawMqttConnection.ConnectedAsync(broker.Port, RawMqttConnection.Connect(NewClientId()));

        foreach (var payload in new[] { "first", "second" })
        {
            await raw.PublishAsync(topic, payload, QualityOfService.ExactlyOnce, 7);
            await raw.ExpectAsync<PubRecPacket>();
            await raw.SendAsync(new PubRelPacket { PacketId = 7 });
            await raw.ExpectAsync<PubCompPacket>();
        }

        // [MQTT-4.3.3-11]: after PUBCOMP the id is free and a PUBLISH with it is a new message.
        Assert.Equal("first", Text(await subscriber.ReadAsync()));
        Assert.Equal("second", Text(await subscriber.ReadAsync()));
    }

    [Fact]
    public async Task Qos2_PubRelForUnknownId_PubComp0x92()
    {
        await using var broker = InProcessBroker.Start();
        await using var raw = await RawMqttConnection.ConnectedAsync(broker.Port, RawMqttConnection.Connect(NewClientId()));

        await raw.SendAsync(new PubRelPacket { PacketId = 99 });

        var comp = await raw.ExpectAsync<PubCompPacket>();
        Assert.Equal(((ushort)99, ReasonCode.PacketIdentifierNotFound), (comp.PacketId, comp.ReasonCode));
    }

    [Fact]
    public async Task Qos2_InboundPubRelAfterReconnect_CompletesAndForwardsOnce()
    {
        await using var broker = InProcessBroker.Start();
        var topic = NewTopic();
        var clientId = NewClientId();
        await using var subscriber = await SubscriberAsync(broker, topic);
        var first = await RawMqttConnection.ConnectedAsync(broker.Port, RawMqttConnection.Connect(clientId, cleanStart: false, sessionExpiry: 300));
        await first.PublishAsync(topic, "once", QualityOfService.ExactlyOnce, 3);
        await first.ExpectAsync<PubRecPacket>();
        first.Abort();
        await first.DisposeAsync();
        await Eventually.ClientsConnectedAsync(broker, 1);

        await using var second = await RawMqttConnection.ConnectedAsync(broker.Port, RawMqttConnection.Connect(clientId, cleanStart: false, sessionExpiry: 300));
        Assert.True(second.LastConnAck!.SessionPresent);

        // The client lost the PUBREC and resends the PUBLISH with DUP, then releases it: still one delivery.
        await second.PublishAsync(topic, "once", QualityOfService.ExactlyOnce, 3, dup: true);
        Assert.Equal((ushort)3, (await second.ExpectAsync<PubRecPacket>()).PacketId);
        await second.SendAsync(new PubRelPacket { PacketId = 3 });
        Assert.Equal(ReasonCode.Success, (await second.ExpectAsync<PubCompPacket>()).ReasonCode);
        await second.PublishAsync(topic, "marker", QualityOfService.AtLeastOnce, 4);
        await second.ExpectAsync<PubAckPacket>();

        Assert.Equal("once", Text(Assert.Single(await subscriber.ReadUntilAsync("marker"))));
    }

    [Theory]
    [InlineData(QualityOfService.AtLeastOnce, MqttProtocolVersion.V500)]
    [InlineData(QualityOfService.ExactlyOnce, MqttProtocolVersion.V500)]
    [InlineData(QualityOfService.AtLeastOnce, MqttProtocolVersion.V311)]
    [InlineData(QualityOfService.ExactlyOnce, MqttProtocolVersion.V311)]
    public async Task Redelivery_UnacknowledgedAtConnectionLoss_ResentWithDupAndSamePacketId(QualityOfService qos, MqttProtocolVersion version)
    {
        await using var broker = InProcessBroker.Start();
        var topic = NewTopic();
        var clientId = NewClientId();
        var connect = RawMqttConnection.Connect(clientId, version, cleanStart: false, sessionExpiry: 300);
        await using var publisher = await ConnectAsync(broker);
        var first = await RawMqttConnection.ConnectedAsync(broker.Port, connect);
        await first.SubscribeAsync(topic, qos);
        await publisher.PublishAsync(topic, Bytes("unacked"), qos);
        var original = await first.ExpectPublishAsync();
        Assert.False(original.Dup);
        first.Abort();
        await first.DisposeAsync();
        await Eventually.ClientsConnectedAsync(broker, 1);

        await using var second = await RawMqttConnection.ConnectedAsync(broker.Port, connect);
        var resent = await second.ExpectPublishAsync();

        // [MQTT-4.4.0-1]: resent with the original Packet Identifier and [MQTT-3.3.1-1] DUP 1.
        Assert.True(second.LastConnAck!.SessionPresent);
        Assert.True(resent.Dup);
        Assert.Equal(original.PacketId, resent.PacketId);
        Assert.Equal((topic, "unacked", qos), (resent.Topic, Text(resent.Payload), resent.QoS));

        // Acknowledged now: nothing more is resent; the next message is new (DUP 0).
        if (qos == QualityOfService.AtLeastOnce)
        {
            await second.SendAsync(new PubAckPacket { PacketId = resent.PacketId });
        }
        else
        {
            await second.SendAsync(new PubRecPacket { PacketId = resent.PacketId });
            Assert.Equal(resent.PacketId, (await second.ExpectAsync<PubRelPacket>()).PacketId);
            await second.SendAsync(new PubCompPacket { PacketId = resent.PacketId });
        }

        await publisher.PublishAsync(topic, Bytes("next"), qos);
        var next = await second.ExpectPublishAsync();
        Assert.Equal(("next", false), (Text(next.Payload), next.Dup));
        Assert.NotEqual(resent.PacketId, next.PacketId);
    }

    [Fact]
    public async Task Redelivery_PubRecSentPubCompNot_PubRelResentAfterReconnect()
    {
        await using var broker = InProcessBroker.Start();
        var topic = NewTopic();
        var clientId = NewClientId();
        var connect = RawMqttConnection.Connect(clientId, cleanStart: false, sessionExpiry: 300);
        await using var publisher = await ConnectAsync(broker);
        var first = await RawMqttConnection.ConnectedAsync(broker.Port, connect);
        await first.SubscribeAsync(topic, QualityOfService.ExactlyOnce);
        await publisher.PublishAsync(topic, Bytes("released"), QualityOfService.ExactlyOnce);
        var publish = await first.ExpectPublishAsync();
        await first.SendAsync(new PubRecPacket { PacketId = publish.PacketId });
        Assert.Equal(publish.PacketId, (await first.ExpectAsync<PubRelPacket>()).PacketId);
        first.Abort();
        await first.DisposeAsync();
        await Eventually.ClientsConnectedAsync(broker, 1);

        await using var second = await RawMqttConnection.ConnectedAsync(broker.Port, connect);

        // [MQTT-4.4.0-1]: the PUBREL is resent (not the PUBLISH: the client has the message already).
        var rel = await second.ExpectAsync<PubRelPacket>();
        Assert.Equal(publish.PacketId, rel.PacketId);
        await second.SendAsync(new PubCompPacket { PacketId = rel.PacketId });
        await publisher.PublishAsync(topic, Bytes("marker"), QualityOfService.AtMostOnce);
        Assert.Equal("marker", Text((await second.ExpectPublishAsync()).Payload));
    }

    [Fact]
    public async Task Redelivery_MqttClientResumes_ReceivesTheUnacknowledgedMessageOnce()
    {
        await using var broker = InProcessBroker.Start();
        var topic = NewTopic();
        var clientId = NewClientId();
        await using var publisher = await ConnectAsync(broker);
        var connect = RawMqttConnection.Connect(clientId, cleanStart: false, sessionExpiry: 300);
        var raw = await RawMqttConnection.ConnectedAsync(broker.Port, connect);
        await raw.SubscribeAsync(topic, QualityOfService.ExactlyOnce);
        await publisher.PublishAsync(topic, Bytes("m"), QualityOfService.ExactlyOnce);
        await raw.ExpectPublishAsync();
        raw.Abort();
        await raw.DisposeAsync();
        await Eventually.ClientsConnectedAsync(broker, 1);

        var options = ClientOptions(broker.Port, clientId);
        options.CleanStart = false;
        options.SessionExpiryInterval = 300;
        await using var resumed = await EngineClients.ConnectAsync(options);
        await publisher.PublishAsync(topic, Bytes("marker"), QualityOfService.AtMostOnce);

        var message = Assert.Single(await resumed.ReadUntilAsync("marker"));
        Assert.Equal(("m", true), (Text(message), message.Dup));
    }

    [Fact]
    public async Task Qos1_UnknownPubAck_Ignored()
    {
        await using var broker = InProcessBroker.Start();
        await using var raw = await RawMqttConnection.ConnectedAsync(broker.Port, RawMqttConnection.Connect(NewClientId()));

        await raw.SendAsync(new PubAckPacket { PacketId = 42 });
        await raw.SendAsync(PingReqPacket.Instance);

        // A PUBACK for an id not in flight (a late duplicate, say) is ignored, not a reason to close.
        await raw.ExpectAsync<PingRespPacket>();
    }

    private static Task<MqttClient> SubscriberAsync(InProcessBroker broker, string topic, QualityOfService qos = QualityOfService.AtLeastOnce) =>
        EngineClients.SubscriberAsync(broker, topic, qos);

    [Fact]
    public async Task Publish_IncomingDupFlag_NotPropagatedToSubscribers()
    {
        await using var broker = InProcessBroker.Start();
        var topic = NewTopic();
        await using var subscriber = await SubscriberAsync(broker, topic);
        await using var raw = await RawMqttConnection.ConnectedAsync(broker.Port, RawMqttConnection.Connect(NewClientId()));

        await raw.PublishAsync(topic, "resent by its publisher", QualityOfService.AtLeastOnce, 1, dup: true);
        await raw.ExpectAsync<PubAckPacket>();

        // [MQTT-3.3.1-3]: the incoming DUP flag is not propagated; this is a first delivery to the subscriber.
        var message = await subscriber.ReadAsync();
        Assert.False(message.Dup);
    }
}
