using MqttHealth.Broker.Tests.Infrastructure;
using MqttHealth.Mqtt.Packets;
using MqttHealth.Mqtt.Protocol;
using static MqttHealth.Broker.Tests.Infrastructure.EngineClients;

namespace MqttHealth.Broker.Tests.Engine;

/// <summary>Topic aliases both ways (5.0 §3.3.2.3.4): the client's towards us, and those the broker assigns.</summary>
public class TopicAliasTests
{
    private static MqttProperties Alias(ushort alias) => new() { TopicAlias = alias };

    [Fact]
    public async Task InboundAlias_SetThenUsedWithEmptyTopic_RoutedToTheAliasedTopic()
    {
        await using var broker = InProcessBroker.Start();
        var topic = NewTopic();
        await using var subscriber = await SubscriberAsync(broker, topic);
        await using var raw = await RawMqttConnection.ConnectedAsync(broker.Port, RawMqttConnection.Connect(NewClientId()));

        await raw.PublishAsync(topic, "with topic", QualityOfService.AtLeastOnce, 1, properties: Alias(1));
        Assert.Equal(ReasonCode.Success, (await raw.ExpectAsync<PubAckPacket>()).ReasonCode);
        await raw.PublishAsync(string.Empty, "alias only", QualityOfService.AtLeastOnce, 2, properties: Alias(1));
        Assert.Equal(ReasonCode.Success, (await raw.ExpectAsync<PubAckPacket>()).ReasonCode);

        // [MQTT-3.3.2-12]: the alias stands for the topic it was set with.
        var first = await subscriber.ReadAsync();
        var second = await subscriber.ReadAsync();
        Assert.Equal((topic, "with topic"), (first.Topic, Text(first)));
        Assert.Equal((topic, "alias only"), (second.Topic, Text(second)));
    }

    [Fact]
    public async Task InboundAlias_Remapped_NewTopicUsed()
    {
        await using var broker = InProcessBroker.Start();
        var a = NewTopic("a");
        var b = NewTopic("b");
        await using var subscriber = await SubscriberAsync(broker, "test/#");
        await using var raw = await RawMqttConnection.ConnectedAsync(broker.Port, RawMqttConnection.Connect(NewClientId()));

        await raw.PublishAsync(a, "1", properties: Alias(1));
        await raw.PublishAsync(b, "2", properties: Alias(1));
        await raw.PublishAsync(string.Empty, "3", properties: Alias(1));

        // 5.0 §3.3.2.3.4: a PUBLISH with a topic and an alias replaces the mapping.
        Assert.Equal(a, (await subscriber.ReadAsync()).Topic);
        Assert.Equal(b, (await subscriber.ReadAsync()).Topic);
        Assert.Equal(b, (await subscriber.ReadAsync()).Topic);
    }

    [Fact]
    public async Task InboundAlias_AboveOurMaximum_Disconnect0x94()
    {
        await using var broker = InProcessBroker.Start(o => o.TopicAliasMaximum = 2);
        await using var raw = await RawMqttConnection.ConnectedAsync(broker.Port, RawMqttConnection.Connect(NewClientId()));
        Assert.Equal((ushort)2, raw.LastConnAck!.Properties?.TopicAliasMaximum);

        await raw.PublishAsync(NewTopic(), "x", properties: Alias(3));

        // [MQTT-3.3.2-9]: an alias above our Topic Alias Maximum is answered with DISCONNECT 0x94.
        await raw.ExpectDisconnectAndCloseAsync(ReasonCode.TopicAliasInvalid);
    }

    [Fact]
    public async Task InboundAlias_OurMaximumZero_Disconnect0x94()
    {
        await using var broker = InProcessBroker.Start(o => o.TopicAliasMaximum = 0);
        await using var raw = await RawMqttConnection.ConnectedAsync(broker.Port, RawMqttConnection.Connect(NewClientId()));

        await raw.PublishAsync(NewTopic(), "x", properties: Alias(1));

        // [MQTT-3.3.2-8]: with Topic Alias Maximum 0 the client must not send any alias.
        await raw.ExpectDisconnectAndCloseAsync(ReasonCode.TopicAliasInvalid);
    }

    [Fact]
    public async Task InboundAlias_UnknownWithEmptyTopic_Disconnect0x82()
    {
        await using var broker = InProcessBroker.Start();
        await using var raw = await RawMqttConnection.ConnectedAsync(broker.Port, RawMqttConnection.Connect(NewClientId()));

        await raw.PublishAsync(string.Empty, "x", properties: Alias(1));

        // 5.0 §3.3.4: an alias that has no mapping on this connection is a Protocol Error.
        await raw.ExpectDisconnectAndCloseAsync(ReasonCode.ProtocolError);
    }

    [Fact]
    public async Task InboundAlias_NotCarriedToTheNextConnection_Disconnect0x82()
    {
        await using var broker = InProcessBroker.Start();
        var clientId = NewClientId();
        await using (var first = await RawMqttConnection.ConnectedAsync(broker.Port, RawMqttConnection.Connect(clientId, cleanStart: false, sessionExpiry: 60)))
        {
            await first.PublishAsync(NewTopic(), "x", QualityOfService.AtLeastOnce, 1, properties: Alias(1));
            await first.ExpectAsync<PubAckPacket>();
            await first.SendAsync(new DisconnectPacket());
            await first.ExpectClosedAsync();
        }

        await Eventually.ClientsConnectedAsync(broker, 0);
        await using var second = await RawMqttConnection.ConnectedAsync(broker.Port, RawMqttConnection.Connect(clientId, cleanStart: false, sessionExpiry: 60));
        Assert.True(second.LastConnAck!.SessionPresent);

        await second.PublishAsync(string.Empty, "y", properties: Alias(1));

        // [MQTT-3.3.2-7]: alias mappings belong to the network connection, not the session.
        await second.ExpectDisconnectAndCloseAsync(ReasonCode.ProtocolError);
    }

    [Fact]
    public async Task OutboundAlias_ClientAllowsAliases_BrokerAssignsReusesAndStaysWithinTheMaximum()
    {
        await using var broker = InProcessBroker.Start();
        var t1 = NewTopic("one");
        var t2 = NewTopic("two");
        var t3 = NewTopic("three");
        await using var raw = await RawMqttConnection.ConnectedAsync(broker.Port, RawMqttConnection.Connect(NewClientId(), topicAliasMaximum: 2));
        await raw.SubscribeAsync("test/#", QualityOfService.AtMostOnce);
        await using var publisher = await ConnectAsync(broker, o => o.UseTopicAliases = false);

        foreach (var topic in new[] { t1, t1, t2, t3, t1, t3, t2 })
        {
            await publisher.PublishAsync(topic, Bytes(topic));
        }

        var received = new List<PublishPacket>();
        for (int i = 0; i < 7; i++)
        {
            received.Add(await raw.ExpectPublishAsync());
        }

        // First use of a topic: topic and a new alias; later uses: empty topic and that alias; with both
        // aliases taken, a third topic goes out in full (5.0 §3.3.2.3.4; never above the client's maximum).
        Assert.Equal((t1, (ushort?)1), (received[0].Topic, received[0].Properties?.TopicAlias));
        Assert.Equal((string.Empty, (ushort?)1), (received[1].Topic, received[1].Properties?.TopicAlias));
        Assert.Equal((t2, (ushort?)2), (received[2].Topic, received[2].Properties?.TopicAlias));
        Assert.Equal((t3, (ushort?)null), (received[3].Topic, received[3].Properties?.TopicAlias));
        Assert.Equal((string.Empty, (ushort?)1), (received[4].Topic, received[4].Properties?.TopicAlias));
        Assert.Equal((t3, (ushort?)null), (received[5].Topic, received[5].Properties?.TopicAlias));
        Assert.Equal((string.Empty, (ushort?)2), (received[6].Topic, received[6].Properties?.TopicAlias));
        Assert.All(received, p => Assert.InRange(p.Properties?.TopicAlias ?? 1, (ushort)1, (ushort)2));
        Assert.Equal([t1, t1, t2, t3, t1, t3, t2], received.Select(p => Text(p.Payload)));
    }

    [Fact]
    public async Task OutboundAlias_ClientMaximumAbsent_NoAliasesSent()
    {
        await using var broker = InProcessBroker.Start();
        var topic = NewTopic();
        await using var raw = await RawMqttConnection.ConnectedAsync(broker.Port, RawMqttConnection.Connect(NewClientId()));
        await raw.SubscribeAsync(topic, QualityOfService.AtMostOnce);
        await using var publisher = await ConnectAsync(broker);

        await publisher.PublishAsync(topic, Bytes("1"));
        await publisher.PublishAsync(topic, Bytes("2"));

        // [MQTT-3.3.2-11]: no alias towards a client that did not allow any.
        for (int i = 0; i < 2; i++)
        {
            var p = await raw.ExpectPublishAsync();
            Assert.Equal(topic, p.Topic);
            Assert.Null(p.Properties?.TopicAlias);
        }
    }

    [Fact]
    public async Task OutboundAlias_NewConnection_MappingStartsAgain()
    {
        await using var broker = InProcessBroker.Start();
        var topic = NewTopic();
        var clientId = NewClientId();
        await using var publisher = await ConnectAsync(broker);
        await using (var first = await RawMqttConnection.ConnectedAsync(broker.Port, RawMqttConnection.Connect(clientId, cleanStart: false, sessionExpiry: 60, topicAliasMaximum: 5)))
        {
            await first.SubscribeAsync(topic, QualityOfService.AtMostOnce);
            await publisher.PublishAsync(topic, Bytes("1"));
            Assert.Equal(topic, (await first.ExpectPublishAsync()).Topic);
            await first.SendAsync(new DisconnectPacket());
            await first.ExpectClosedAsync();
        }

        await Eventually.ClientsConnectedAsync(broker, 1);
        await using var second = await RawMqttConnection.ConnectedAsync(broker.Port, RawMqttConnection.Connect(clientId, cleanStart: false, sessionExpiry: 60, topicAliasMaximum: 5));
        await publisher.PublishAsync(topic, Bytes("2"));

        // [MQTT-3.3.2-7]: the new connection has no mappings, so the topic is sent again with the alias.
        var p = await second.ExpectPublishAsync();
        Assert.Equal(topic, p.Topic);
        Assert.Equal((ushort?)1, p.Properties?.TopicAlias);
    }
}
