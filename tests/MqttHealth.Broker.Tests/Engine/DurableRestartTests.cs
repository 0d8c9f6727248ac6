using MqttHealth.Broker.Tests.Infrastructure;
using MqttHealth.Mqtt.Client;
using MqttHealth.Mqtt.Packets;
using MqttHealth.Mqtt.Protocol;
using static MqttHealth.Broker.Tests.Infrastructure.EngineClients;

namespace MqttHealth.Broker.Tests.Engine;

/// <summary>
/// Sessions, queues, retained messages and QoS 2 state across a graceful restart on a real SQLite file:
/// the broker is disposed (DISCONNECT 0x8B, storage flushed) and a new one is started on the same data
/// directory. The SIGKILL variant lives with the crash tests.
/// </summary>
public sealed class DurableRestartTests : IDisposable
{
    private readonly TempDataDirectory _data = new();

    public void Dispose() => _data.Dispose();

    private InProcessBroker StartBroker() => InProcessBroker.Start(store: _data.OpenStore());

    private static MqttClientOptions Persistent(InProcessBroker broker)
    {
        var options = ClientOptions(broker.Port);
        options.CleanStart = false;
        options.SessionExpiryInterval = 3600;
        return options;
    }

    [Fact]
    public async Task Restart_OfflinePersistentSubscriber_QueuedMessagesWithPropertiesDelivered()
    {
        var topic = NewTopic();
        var broker = StartBroker();
        await using var subscriber = new MqttClient(Persistent(broker));
        try
        {
            await subscriber.ConnectAsync().WaitAsync(WaitLimit);
            await subscriber.SubscribeAsync(topic, QualityOfService.ExactlyOnce);
            await subscriber.DisconnectAsync();
            await using var publisher = await ConnectAsync(broker);
            var properties = new MqttProperties { ContentType = "text/plain", CorrelationData = new byte[] { 1, 2 }, UserProperties = { new("k", "v"), new("k", "v") } };
            await publisher.PublishAsync(topic, Bytes("q1"), QualityOfService.AtLeastOnce, properties: properties);
            await publisher.PublishAsync(topic, Bytes("q2"), QualityOfService.ExactlyOnce, properties: properties);
        }
        finally
        {
            await broker.DisposeAsync();
        }

        await using var restarted = StartBroker();
        subscriber.Options.Port = restarted.Port;
        var connack = await subscriber.ConnectAsync().WaitAsync(WaitLimit);
        await using var publisher2 = await ConnectAsync(restarted);
        await publisher2.PublishAsync(topic, Bytes("marker"), QualityOfService.AtLeastOnce);

        Assert.True(connack.SessionPresent);
        var delivered = await subscriber.ReadUntilAsync("marker");
        Assert.Equal(["q1", "q2"], delivered.Select(Text));
        Assert.Equal([QualityOfService.AtLeastOnce, QualityOfService.ExactlyOnce], delivered.Select(m => m.QoS));
        Assert.All(delivered, m =>
        {
            Assert.Equal("text/plain", m.Properties?.ContentType);
            Assert.Equal(new byte[] { 1, 2 }, m.Properties!.CorrelationData!.Value.ToArray());
            Assert.Equal([new("k", "v"), new("k", "v")], m.Properties.UserProperties);
        });
    }

    [Fact]
    public async Task Restart_RetainedMessages_SetAndClearSurvive()
    {
        var kept = NewTopic("kept");
        var cleared = NewTopic("cleared");
        var broker = StartBroker();
        try
        {
            await using var publisher = await ConnectAsync(broker);
            await publisher.PublishAsync(kept, Bytes("v1"), QualityOfService.AtLeastOnce, retain: true);
            await publisher.PublishAsync(kept, Bytes("v2"), QualityOfService.AtLeastOnce, retain: true);
            await publisher.PublishAsync(cleared, Bytes("gone"), QualityOfService.AtLeastOnce, retain: true);
            await publisher.PublishAsync(cleared, ReadOnlyMemory<byte>.Empty, QualityOfService.AtLeastOnce, retain: true);
        }
        finally
        {
            await broker.DisposeAsync();
        }

        await using var restarted = StartBroker();
        await using var subscriber = await SubscriberAsync(restarted, "test/#");
        await subscriber.PublishAsync(NewTopic("marker"), Bytes("marker"), QualityOfService.AtLeastOnce);

        var retained = await subscriber.ReadUntilAsync("marker");
        var only = Assert.Single(retained);
        Assert.Equal((kept, "v2", true), (only.Topic, Text(only), only.Retain));
        Assert.Equal(1, restarted.Metrics.RetainedMessages);
    }

    [Fact]
    public async Task Restart_InboundQos2BeforePubRel_NotForwardedTwice()
    {
        var topic = NewTopic();
        var publisherConnect = RawMqttConnection.Connect(NewClientId(), cleanStart: false, sessionExpiry: 3600);
        var subscriberConnect = RawMqttConnection.Connect(NewClientId(), cleanStart: false, sessionExpiry: 3600);
        var broker = StartBroker();
        RawMqttConnection? publisher = null;
        try
        {
            await using var subscriber = await RawMqttConnection.ConnectedAsync(broker.Port, subscriberConnect);
            await subscriber.SubscribeAsync(topic, QualityOfService.AtLeastOnce);
            publisher = await RawMqttConnection.ConnectedAsync(broker.Port, publisherConnect);
            await publisher.PublishAsync(topic, "once", QualityOfService.ExactlyOnce, 9);
            Assert.Equal((ushort)9, (await publisher.ExpectAsync<PubRecPacket>()).PacketId);
            var delivered = await subscriber.ExpectPublishAsync();
            Assert.Equal("once", Text(delivered.Payload));

            // Acknowledged, and a round trip after it so the broker has handled the PUBACK before the restart.
            await subscriber.SendAsync(new PubAckPacket { PacketId = delivered.PacketId });
            await subscriber.SendAsync(PingReqPacket.Instance);
            await subscriber.ExpectAsync<PingRespPacket>();
        }
        finally
        {
            await broker.DisposeAsync();
        }

        await using (publisher)
        {
            await publisher.ExpectDisconnectAndCloseAsync(ReasonCode.ServerShuttingDown);
        }

        await using var restarted = StartBroker();
        await using var subscriberAgain = await RawMqttConnection.ConnectedAsync(restarted.Port, subscriberConnect);
        await using var again = await RawMqttConnection.ConnectedAsync(restarted.Port, publisherConnect);
        Assert.True(subscriberAgain.LastConnAck!.SessionPresent);
        Assert.True(again.LastConnAck!.SessionPresent);

        // As far as the publisher knows the PUBREC was lost: it resends with DUP, then releases.
        await again.PublishAsync(topic, "once", QualityOfService.ExactlyOnce, 9, dup: true);
        Assert.Equal((ushort)9, (await again.ExpectAsync<PubRecPacket>()).PacketId);
        await again.SendAsync(new PubRelPacket { PacketId = 9 });
        var comp = await again.ExpectAsync<PubCompPacket>();
        await again.PublishAsync(topic, "marker", QualityOfService.AtLeastOnce, 10);
        await again.ExpectAsync<PubAckPacket>();

        // [MQTT-4.3.3-10] across the restart: the stored packet id still marks the message as received,
        // so PUBCOMP is Success (not 0x92) and the subscriber's next message is the marker.
        Assert.Equal(ReasonCode.Success, comp.ReasonCode);
        var next = await subscriberAgain.ExpectPublishAsync();
        Assert.Equal(("marker", false), (Text(next.Payload), next.Dup));
    }

    [Fact]
    public async Task Restart_Qos2FromPublisherToOfflineSubscriber_DeliveredExactlyOnce()
    {
        var topic = NewTopic();
        var publisherConnect = RawMqttConnection.Connect(NewClientId(), cleanStart: false, sessionExpiry: 3600);
        var broker = StartBroker();
        await using var subscriber = new MqttClient(Persistent(broker));
        try
        {
            await subscriber.ConnectAsync().WaitAsync(WaitLimit);
            await subscriber.SubscribeAsync(topic, QualityOfService.ExactlyOnce);
            await subscriber.DisconnectAsync();
            await using var publisher = await RawMqttConnection.ConnectedAsync(broker.Port, publisherConnect);
            await publisher.PublishAsync(topic, "once", QualityOfService.ExactlyOnce, 9);
            Assert.Equal((ushort)9, (await publisher.ExpectAsync<PubRecPacket>()).PacketId);
        }
        finally
        {
            await broker.DisposeAsync();
        }

        await using var restarted = StartBroker();
        await using var again = await RawMqttConnection.ConnectedAsync(restarted.Port, publisherConnect);
        await again.PublishAsync(topic, "once", QualityOfService.ExactlyOnce, 9, dup: true);
        await again.ExpectAsync<PubRecPacket>();
        await again.SendAsync(new PubRelPacket { PacketId = 9 });
        Assert.Equal(ReasonCode.Success, (await again.ExpectAsync<PubCompPacket>()).ReasonCode);
        subscriber.Options.Port = restarted.Port;
        Assert.True((await subscriber.ConnectAsync().WaitAsync(WaitLimit)).SessionPresent);
        await again.PublishAsync(topic, "marker", QualityOfService.AtLeastOnce, 10);
        await again.ExpectAsync<PubAckPacket>();

        var delivered = await subscriber.ReadUntilAsync("marker");
        Assert.Equal("once", Text(Assert.Single(delivered)));
        Assert.Equal(QualityOfService.ExactlyOnce, delivered[0].QoS);
    }

    [Theory]
    [InlineData(QualityOfService.AtLeastOnce)]
    [InlineData(QualityOfService.ExactlyOnce)]
    public async Task Restart_OutboundUnacknowledged_ResentWithDupAndSamePacketId(QualityOfService qos)
    {
        var topic = NewTopic();
        var connect = RawMqttConnection.Connect(NewClientId(), cleanStart: false, sessionExpiry: 3600);
        var broker = StartBroker();
        PublishPacket original;
        try
        {
            await using var raw = await RawMqttConnection.ConnectedAsync(broker.Port, connect);
            await raw.SubscribeAsync(topic, qos);
            await using var publisher = await ConnectAsync(broker);
            await publisher.PublishAsync(topic, Bytes("unacked"), qos);
            original = await raw.ExpectPublishAsync();
        }
        finally
        {
            await broker.DisposeAsync();
        }

        await using var restarted = StartBroker();
        await using var again = await RawMqttConnection.ConnectedAsync(restarted.Port, connect);
        var resent = await again.ExpectPublishAsync();

        // [MQTT-4.4.0-1] after a restart too: same packet id, DUP 1.
        Assert.True(again.LastConnAck!.SessionPresent);
        Assert.Equal((original.PacketId, true, "unacked", qos), (resent.PacketId, resent.Dup, Text(resent.Payload), resent.QoS));
    }

    [Fact]
    public async Task Restart_OutboundQos2Released_PubRelResentAndMessageNotSentAgain()
    {
        var topic = NewTopic();
        var connect = RawMqttConnection.Connect(NewClientId(), cleanStart: false, sessionExpiry: 3600);
        var broker = StartBroker();
        ushort packetId;
        try
        {
            await using var raw = await RawMqttConnection.ConnectedAsync(broker.Port, connect);
            await raw.SubscribeAsync(topic, QualityOfService.ExactlyOnce);
            await using var publisher = await ConnectAsync(broker);
            await publisher.PublishAsync(topic, Bytes("released"), QualityOfService.ExactlyOnce);
            packetId = (await raw.ExpectPublishAsync()).PacketId;
            await raw.SendAsync(new PubRecPacket { PacketId = packetId });
            Assert.Equal(packetId, (await raw.ExpectAsync<PubRelPacket>()).PacketId);
        }
        finally
        {
            await broker.DisposeAsync();
        }

        await using var restarted = StartBroker();
        await using var again = await RawMqttConnection.ConnectedAsync(restarted.Port, connect);

        Assert.Equal(packetId, (await again.ExpectAsync<PubRelPacket>()).PacketId);
        await again.SendAsync(new PubCompPacket { PacketId = packetId });
        await using var publisher2 = await ConnectAsync(restarted);
        await publisher2.PublishAsync(topic, Bytes("marker"), QualityOfService.AtMostOnce);
        Assert.Equal("marker", Text((await again.ExpectPublishAsync()).Payload));
    }

    [Fact]
    public async Task Restart_CompletedQos1_NotResent()
    {
        var topic = NewTopic();
        var connect = RawMqttConnection.Connect(NewClientId(), cleanStart: false, sessionExpiry: 3600);
        var broker = StartBroker();
        try
        {
            await using var raw = await RawMqttConnection.ConnectedAsync(broker.Port, connect);
            await raw.SubscribeAsync(topic, QualityOfService.AtLeastOnce);
            await using var publisher = await ConnectAsync(broker);
            await publisher.PublishAsync(topic, Bytes("acked"), QualityOfService.AtLeastOnce);
            var publish = await raw.ExpectPublishAsync();
            await raw.SendAsync(new PubAckPacket { PacketId = publish.PacketId });

            // A round trip after the PUBACK so the broker has handled it before the restart.
            await raw.SendAsync(PingReqPacket.Instance);
            await raw.ExpectAsync<PingRespPacket>();
        }
        finally
        {
            await broker.DisposeAsync();
        }

        await using var restarted = StartBroker();
        await using var again = await RawMqttConnection.ConnectedAsync(restarted.Port, connect);
        await using var publisher2 = await ConnectAsync(restarted);
        await publisher2.PublishAsync(topic, Bytes("marker"), QualityOfService.AtMostOnce);

        Assert.True(again.LastConnAck!.SessionPresent);
        Assert.Equal("marker", Text((await again.ExpectPublishAsync()).Payload));
    }

    [Theory]
    [InlineData(60u, false)]
    [InlineData(600u, true)]
    public async Task Restart_SessionExpiryElapsedWhileDown_SessionEndsUnlessStillWithinItsInterval(uint expiry, bool present)
    {
        var time = new ManualTimeProvider();
        var clientId = NewClientId();
        await using (var broker = InProcessBroker.Start(store: _data.OpenStore(), time: time))
        {
            await using var raw = await RawMqttConnection.ConnectedAsync(broker.Port, RawMqttConnection.Connect(clientId, cleanStart: false, sessionExpiry: expiry));
            await raw.SubscribeAsync(NewTopic(), QualityOfService.AtLeastOnce);
            await raw.SendAsync(new DisconnectPacket());
            await raw.ExpectClosedAsync();
            await Eventually.ClientsConnectedAsync(broker, 0);
        }

        // Five minutes pass while the broker is down; the time offline before the stop counts too.
        time.Advance(TimeSpan.FromMinutes(5));
        await using var restarted = InProcessBroker.Start(store: _data.OpenStore(), time: time);
        time.Advance(TimeSpan.FromSeconds(1));
        await using var again = await RawMqttConnection.ConnectedAsync(restarted.Port, RawMqttConnection.Connect(clientId, cleanStart: false, sessionExpiry: expiry));

        Assert.Equal(present, again.LastConnAck!.SessionPresent);
    }
}
