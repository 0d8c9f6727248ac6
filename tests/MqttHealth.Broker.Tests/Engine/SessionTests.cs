using System.Diagnostics;
using MqttHealth.Broker.Tests.Infrastructure;
using MqttHealth.Mqtt.Client;
using MqttHealth.Mqtt.Packets;
using MqttHealth.Mqtt.Protocol;
using static MqttHealth.Broker.Tests.Infrastructure.EngineClients;

namespace MqttHealth.Broker.Tests.Engine;

/// <summary>Clean start, resume, session expiry, takeover and the DISCONNECT's Session Expiry Interval.</summary>
public class SessionTests
{
    [Fact]
    public async Task CleanStart_ExistingSession_SessionPresentFalseAndSubscriptionsDiscarded()
    {
        await using var broker = InProcessBroker.Start();
        var topic = NewTopic();
        var clientId = NewClientId();
        await using (var first = await ConnectAsync(broker, o => { o.ClientId = clientId; o.CleanStart = false; o.SessionExpiryInterval = 300; }))
        {
            await first.SubscribeAsync(topic, QualityOfService.AtLeastOnce);
        }

        await Eventually.ClientsConnectedAsync(broker, 0);
        await using var second = await ConnectAsync(broker, o => { o.ClientId = clientId; o.CleanStart = true; });
        await second.SubscribeAsync(topic + "/marker", QualityOfService.AtLeastOnce);
        await using var publisher = await ConnectAsync(broker);

        // [MQTT-3.1.2-4]: Clean Start 1 discards the session, so Session Present is 0 [MQTT-3.2.2-2]...
        Assert.False(second.LastConnectResult!.SessionPresent);

        // ...and the old subscription is gone: the publish to it matches nobody.
        var toOld = await publisher.PublishAsync(topic, Bytes("old"), QualityOfService.AtLeastOnce);
        Assert.Equal(ReasonCode.NoMatchingSubscribers, toOld.ReasonCode);
        await publisher.PublishAsync(topic + "/marker", Bytes("marker"), QualityOfService.AtLeastOnce);
        Assert.Equal("marker", Text(await second.ReadAsync()));
    }

    [Fact]
    public async Task Resume_PersistentSession_SessionPresentAndQueuedMessageDelivered()
    {
        await using var broker = InProcessBroker.Start();
        var topic = NewTopic();
        var options = ClientOptions(broker.Port);
        options.CleanStart = false;
        options.SessionExpiryInterval = 300;
        await using var subscriber = new MqttClient(options);
        var first = await subscriber.ConnectAsync().WaitAsync(WaitLimit);
        Assert.False(first.SessionPresent);
        await subscriber.SubscribeAsync(topic, QualityOfService.AtLeastOnce);
        await subscriber.DisconnectAsync();
        await Eventually.ClientsConnectedAsync(broker, 0);

        await using var publisher = await ConnectAsync(broker);
        var ack = await publisher.PublishAsync(topic, Bytes("while offline"), QualityOfService.AtLeastOnce);
        Assert.Equal(ReasonCode.Success, ack.ReasonCode);

        var resumed = await subscriber.ConnectAsync().WaitAsync(WaitLimit);

        // [MQTT-3.2.2-3]: Session Present 1 when the server has the session; its subscription and queue survive.
        Assert.True(resumed.SessionPresent);
        var message = await subscriber.ReadAsync();
        Assert.Equal("while offline", Text(message));
        Assert.Equal(QualityOfService.AtLeastOnce, message.QoS);
    }

    [Fact]
    public async Task SessionExpiry_OneSecondOffline_SessionEndsAfterTheInterval()
    {
        await using var broker = InProcessBroker.Start();
        var clientId = NewClientId();
        var clock = Stopwatch.StartNew();
        await using (var client = await ConnectAsync(broker, o => { o.ClientId = clientId; o.CleanStart = false; o.SessionExpiryInterval = 1; }))
        {
            await client.SubscribeAsync(NewTopic(), QualityOfService.AtLeastOnce);
            clock.Restart();
        }

        // The sweep runs four times a second; the session must go within a bounded time, not before 1 s.
        await Eventually.SessionsAsync(broker, 0);
        Assert.True(clock.Elapsed >= TimeSpan.FromMilliseconds(950), $"session ended after {clock.Elapsed.TotalMilliseconds} ms, before its 1 s expiry");

        await using var again = await ConnectAsync(broker, o => { o.ClientId = clientId; o.CleanStart = false; o.SessionExpiryInterval = 1; });
        Assert.False(again.LastConnectResult!.SessionPresent);
    }

    [Fact]
    public async Task SessionExpiry_Zero_SessionEndsWithTheConnection()
    {
        // A clock that never moves: the sweep never runs, so only the end of the connection can end the session.
        var time = new ManualTimeProvider();
        await using var broker = InProcessBroker.Start(time: time);
        var clientId = NewClientId();
        await using (var client = await ConnectAsync(broker, o => { o.ClientId = clientId; o.CleanStart = false; o.SessionExpiryInterval = null; }))
        {
            await client.SubscribeAsync(NewTopic(), QualityOfService.AtLeastOnce);
            Assert.Equal(1, broker.Metrics.Sessions);
        }

        // 5.0 §3.1.2.11.2: absent (0) means the session ends when the network connection closes.
        await Eventually.SessionsAsync(broker, 0);
        await using var again = await ConnectAsync(broker, o => { o.ClientId = clientId; o.CleanStart = false; });
        Assert.False(again.LastConnectResult!.SessionPresent);
    }

    [Fact]
    public async Task SessionExpiry_V311CleanSessionFalse_SessionKeptAcrossConnections()
    {
        await using var broker = InProcessBroker.Start();
        var clientId = NewClientId();
        await using (var client = await ConnectAsync(broker, o => { o.ClientId = clientId; o.CleanStart = false; o.ProtocolVersion = MqttProtocolVersion.V311; }))
        {
            Assert.False(client.LastConnectResult!.SessionPresent);
        }

        await Eventually.ClientsConnectedAsync(broker, 0);
        await using var again = await ConnectAsync(broker, o => { o.ClientId = clientId; o.CleanStart = false; o.ProtocolVersion = MqttProtocolVersion.V311; });

        Assert.True(again.LastConnectResult!.SessionPresent);
    }

    [Fact]
    public async Task Takeover_SameClientIdV5_FirstGetsDisconnect0x8EAndSecondWorks()
    {
        await using var broker = InProcessBroker.Start();
        var clientId = NewClientId();
        var topic = NewTopic();
        await using var first = await RawMqttConnection.ConnectedAsync(broker.Port, RawMqttConnection.Connect(clientId));

        await using var second = await ConnectAsync(broker, o => o.ClientId = clientId);

        // [MQTT-3.1.4-3]: the existing connection gets DISCONNECT 0x8E (Session taken over) and is closed.
        await first.ExpectDisconnectAndCloseAsync(ReasonCode.SessionTakenOver);
        await second.SubscribeAsync(topic, QualityOfService.AtLeastOnce);
        await second.PublishAsync(topic, Bytes("after takeover"), QualityOfService.AtLeastOnce);
        Assert.Equal("after takeover", Text(await second.ReadAsync()));
        Assert.Equal(1, broker.Metrics.Sessions);
    }

    [Fact]
    public async Task Takeover_SameClientIdV311_FirstClosedWithoutDisconnect()
    {
        await using var broker = InProcessBroker.Start();
        var clientId = NewClientId();
        await using var first = await RawMqttConnection.ConnectedAsync(broker.Port, RawMqttConnection.Connect(clientId, MqttProtocolVersion.V311));

        await using var second = await RawMqttConnection.ConnectedAsync(broker.Port, RawMqttConnection.Connect(clientId, MqttProtocolVersion.V311));

        Assert.Empty(await first.ExpectClosedAsync());
        await second.SendAsync(PingReqPacket.Instance);
        await second.ExpectAsync<PingRespPacket>();
    }

    [Fact]
    public async Task Takeover_ResumingConnection_SessionPresentAndSubscriptionKept()
    {
        await using var broker = InProcessBroker.Start();
        var clientId = NewClientId();
        var topic = NewTopic();
        await using var first = await RawMqttConnection.ConnectedAsync(broker.Port, RawMqttConnection.Connect(clientId, cleanStart: false, sessionExpiry: 300));
        await first.SubscribeAsync(topic, QualityOfService.AtLeastOnce);

        await using var second = await ConnectAsync(broker, o => { o.ClientId = clientId; o.CleanStart = false; o.SessionExpiryInterval = 300; });
        await first.ExpectDisconnectAndCloseAsync(ReasonCode.SessionTakenOver);
        await using var publisher = await ConnectAsync(broker);
        await publisher.PublishAsync(topic, Bytes("to the session"), QualityOfService.AtLeastOnce);

        Assert.True(second.LastConnectResult!.SessionPresent);
        Assert.Equal("to the session", Text(await second.ReadAsync()));
    }

    [Fact]
    public async Task Disconnect_SessionExpiryZeroToNonZero_Disconnect0x82()
    {
        await using var broker = InProcessBroker.Start();
        await using var raw = await RawMqttConnection.ConnectedAsync(broker.Port, RawMqttConnection.Connect(NewClientId()));

        await raw.SendAsync(new DisconnectPacket { Properties = new MqttProperties { SessionExpiryInterval = 60 } });

        // [MQTT-3.14.2-2]: non-zero in DISCONNECT after zero in CONNECT is a Protocol Error.
        await raw.ExpectDisconnectAndCloseAsync(ReasonCode.ProtocolError);
    }

    [Fact]
    public async Task Disconnect_SessionExpirySetToZero_SessionEnds()
    {
        await using var broker = InProcessBroker.Start();
        var clientId = NewClientId();
        await using (var raw = await RawMqttConnection.ConnectedAsync(broker.Port, RawMqttConnection.Connect(clientId, cleanStart: false, sessionExpiry: 300)))
        {
            await raw.SendAsync(new DisconnectPacket { Properties = new MqttProperties { SessionExpiryInterval = 0 } });
            Assert.Empty(await raw.ExpectClosedAsync());
        }

        // 5.0 §3.14.2.2.2: the DISCONNECT's interval replaces the CONNECT's; 0 ends the session with the connection.
        await Eventually.SessionsAsync(broker, 0);
        await using var again = await RawMqttConnection.ConnectedAsync(broker.Port, RawMqttConnection.Connect(clientId, cleanStart: false, sessionExpiry: 300));
        Assert.False(again.LastConnAck!.SessionPresent);
    }
}
