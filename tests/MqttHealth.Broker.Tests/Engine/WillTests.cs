using System.Diagnostics;
using MqttHealth.Broker.Tests.Infrastructure;
using MqttHealth.Mqtt.Packets;
using MqttHealth.Mqtt.Protocol;
using static MqttHealth.Broker.Tests.Infrastructure.EngineClients;

namespace MqttHealth.Broker.Tests.Engine;

/// <summary>
/// Will messages (5.0 §3.1.2.5, §3.1.3.2): when they are published, when not, the will delay and its
/// interplay with session expiry and resume. "Not published" is shown with a marker: a message published
/// after the point where the will would have been routed must be the first thing the subscriber sees.
/// </summary>
public class WillTests
{
    private static MqttWill Will(string topic, string payload = "gone", uint? delay = null, QualityOfService qos = QualityOfService.AtLeastOnce, bool retain = false) => new()
    {
        Topic = topic,
        Payload = Bytes(payload),
        QoS = qos,
        Retain = retain,
        Properties = delay is null ? null : new MqttProperties { WillDelayInterval = delay },
    };

    [Fact]
    public async Task Will_ConnectionLostWithoutDisconnect_Published()
    {
        await using var broker = InProcessBroker.Start();
        var topic = NewTopic("will");
        await using var subscriber = await SubscriberAsync(broker, topic);
        var raw = await RawMqttConnection.ConnectedAsync(broker.Port, RawMqttConnection.Connect(NewClientId(), will: Will(topic)));

        raw.Abort();

        // [MQTT-3.1.2-8]: the will is published when the connection closes without DISCONNECT 0x00.
        var will = await subscriber.ReadAsync();
        Assert.Equal(topic, will.Topic);
        Assert.Equal("gone", Text(will));
        Assert.Equal(QualityOfService.AtLeastOnce, will.QoS);
        Assert.False(will.Retain);
        await raw.DisposeAsync();
    }

    [Fact]
    public async Task Will_ProtocolErrorClose_Published()
    {
        await using var broker = InProcessBroker.Start();
        var topic = NewTopic("will");
        await using var subscriber = await SubscriberAsync(broker, topic);
        await using var raw = await RawMqttConnection.ConnectedAsync(broker.Port, RawMqttConnection.Connect(NewClientId(), will: Will(topic)));

        await raw.SendAsync(RawMqttConnection.Connect("again"));
        await raw.ExpectDisconnectAndCloseAsync(ReasonCode.ProtocolError);

        // 5.0 §3.1.2.5: a connection the server closes for a protocol error publishes the will.
        Assert.Equal("gone", Text(await subscriber.ReadAsync()));
    }

    [Fact]
    public async Task Will_DisconnectNormal_NotPublished()
    {
        await using var broker = InProcessBroker.Start();
        var topic = NewTopic("will");
        await using var subscriber = await SubscriberAsync(broker, topic);
        await using (var raw = await RawMqttConnection.ConnectedAsync(broker.Port, RawMqttConnection.Connect(NewClientId(), will: Will(topic))))
        {
            await raw.SendAsync(new DisconnectPacket { ReasonCode = ReasonCode.NormalDisconnection });
            Assert.Empty(await raw.ExpectClosedAsync());
        }

        // Once the broker has handled the end of the connection (where a will would be routed), the marker.
        await Eventually.ClientsConnectedAsync(broker, 1);
        await subscriber.PublishAsync(topic, Bytes("marker"), QualityOfService.AtLeastOnce);

        // [MQTT-3.1.2-10]: DISCONNECT 0x00 deletes the will.
        Assert.Equal("marker", Text(await subscriber.ReadAsync()));
    }

    [Fact]
    public async Task Will_V311Disconnect_NotPublished()
    {
        await using var broker = InProcessBroker.Start();
        var topic = NewTopic("will");
        await using var subscriber = await SubscriberAsync(broker, topic);
        await using (var raw = await RawMqttConnection.ConnectedAsync(broker.Port, RawMqttConnection.Connect(NewClientId(), MqttProtocolVersion.V311, will: Will(topic))))
        {
            await raw.SendAsync(new DisconnectPacket());
            Assert.Empty(await raw.ExpectClosedAsync());
        }

        await Eventually.ClientsConnectedAsync(broker, 1);
        await subscriber.PublishAsync(topic, Bytes("marker"), QualityOfService.AtLeastOnce);

        Assert.Equal("marker", Text(await subscriber.ReadAsync()));
    }

    [Fact]
    public async Task Will_DisconnectWithWillMessage0x04_Published()
    {
        await using var broker = InProcessBroker.Start();
        var topic = NewTopic("will");
        await using var subscriber = await SubscriberAsync(broker, topic);
        await using var raw = await RawMqttConnection.ConnectedAsync(broker.Port, RawMqttConnection.Connect(NewClientId(), will: Will(topic)));

        await raw.SendAsync(new DisconnectPacket { ReasonCode = ReasonCode.DisconnectWithWillMessage });

        // 5.0 §3.14.2.1: 0x04 closes the connection and has the will published.
        Assert.Empty(await raw.ExpectClosedAsync());
        Assert.Equal("gone", Text(await subscriber.ReadAsync()));
    }

    [Fact]
    public async Task WillDelay_ConnectionLost_PublishedOnlyAfterTheDelay()
    {
        await using var broker = InProcessBroker.Start();
        var topic = NewTopic("will");
        await using var subscriber = await SubscriberAsync(broker, topic);
        var raw = await RawMqttConnection.ConnectedAsync(broker.Port, RawMqttConnection.Connect(NewClientId(), sessionExpiry: 60, will: Will(topic, delay: 1)));
        var clock = Stopwatch.StartNew();

        raw.Abort();

        // [MQTT-3.1.3-9]: not before the Will Delay Interval has passed.
        Assert.Equal("gone", Text(await subscriber.ReadAsync()));
        Assert.True(clock.Elapsed >= TimeSpan.FromMilliseconds(950), $"will published after {clock.Elapsed.TotalMilliseconds} ms, before its 1 s delay");
        await raw.DisposeAsync();
    }

    [Fact]
    public async Task WillDelay_ManualClock_PublishedExactlyWhenTheDelayEnds()
    {
        var time = new ManualTimeProvider();
        await using var broker = InProcessBroker.Start(time: time);
        var topic = NewTopic("will");
        await using var subscriber = await SubscriberAsync(broker, topic);
        var raw = await RawMqttConnection.ConnectedAsync(broker.Port, RawMqttConnection.Connect(NewClientId(), sessionExpiry: 600, will: Will(topic, delay: 10)));
        raw.Abort();
        await Eventually.ClientsConnectedAsync(broker, 1);

        time.Advance(TimeSpan.FromSeconds(9));
        await subscriber.PublishAsync(topic, Bytes("marker"), QualityOfService.AtLeastOnce);
        Assert.Equal("marker", Text(await subscriber.ReadAsync()));

        time.Advance(TimeSpan.FromSeconds(1.5));
        Assert.Equal("gone", Text(await subscriber.ReadAsync()));
        await raw.DisposeAsync();
    }

    [Fact]
    public async Task WillDelay_SessionResumedBeforeTheDelay_NotPublished()
    {
        var time = new ManualTimeProvider();
        await using var broker = InProcessBroker.Start(time: time);
        var topic = NewTopic("will");
        var clientId = NewClientId();
        await using var subscriber = await SubscriberAsync(broker, topic);
        var raw = await RawMqttConnection.ConnectedAsync(broker.Port, RawMqttConnection.Connect(clientId, cleanStart: false, sessionExpiry: 600, will: Will(topic, delay: 10)));
        raw.Abort();
        await Eventually.ClientsConnectedAsync(broker, 1);

        time.Advance(TimeSpan.FromSeconds(5));
        await using var resumed = await RawMqttConnection.ConnectedAsync(broker.Port, RawMqttConnection.Connect(clientId, cleanStart: false, sessionExpiry: 600));
        Assert.True(resumed.LastConnAck!.SessionPresent);
        time.Advance(TimeSpan.FromSeconds(30));
        await subscriber.PublishAsync(topic, Bytes("marker"), QualityOfService.AtLeastOnce);

        // [MQTT-3.1.3-9] / 5.0 §3.1.2.5: a session resumed before the delay ends cancels the will.
        Assert.Equal("marker", Text(await subscriber.ReadAsync()));
        await raw.DisposeAsync();
    }

    [Fact]
    public async Task WillDelay_SessionExpiresBeforeTheDelay_PublishedWhenTheSessionEnds()
    {
        var time = new ManualTimeProvider();
        await using var broker = InProcessBroker.Start(time: time);
        var topic = NewTopic("will");
        await using var subscriber = await SubscriberAsync(broker, topic);
        var raw = await RawMqttConnection.ConnectedAsync(broker.Port, RawMqttConnection.Connect(NewClientId(), sessionExpiry: 2, will: Will(topic, delay: 60)));
        raw.Abort();
        await Eventually.ClientsConnectedAsync(broker, 1);

        time.Advance(TimeSpan.FromSeconds(1));
        await subscriber.PublishAsync(topic, Bytes("marker"), QualityOfService.AtLeastOnce);
        Assert.Equal("marker", Text(await subscriber.ReadAsync()));

        time.Advance(TimeSpan.FromSeconds(1.5));

        // 5.0 §3.1.3.2.2: the will is published when the delay ends or the session ends, whichever is first.
        Assert.Equal("gone", Text(await subscriber.ReadAsync()));
        Assert.Equal(1, broker.Metrics.Sessions); // only the subscriber's
        await raw.DisposeAsync();
    }

    [Fact]
    public async Task Will_RetainFlag_KeptAsRetainedMessage()
    {
        await using var broker = InProcessBroker.Start();
        var topic = NewTopic("will");
        var raw = await RawMqttConnection.ConnectedAsync(broker.Port, RawMqttConnection.Connect(NewClientId(), will: Will(topic, payload: "offline", retain: true)));
        raw.Abort();
        await Eventually.ClientsConnectedAsync(broker, 0);

        await using var late = await SubscriberAsync(broker, topic);

        // [MQTT-3.1.2-17]: Will Retain 1 publishes the will as a retained message.
        var will = await late.ReadAsync();
        Assert.Equal("offline", Text(will));
        Assert.True(will.Retain);
        await raw.DisposeAsync();
    }

    [Fact]
    public async Task Will_Properties_PassedThroughUnchanged()
    {
        await using var broker = InProcessBroker.Start();
        var topic = NewTopic("will");
        await using var subscriber = await SubscriberAsync(broker, topic);
        var will = Will(topic);
        will.Properties = new MqttProperties
        {
            ContentType = "application/json",
            ResponseTopic = "reply/here",
            CorrelationData = new byte[] { 9, 8, 7 },
            PayloadFormatIndicator = PayloadFormat.Utf8,
            MessageExpiryInterval = 100,
            UserProperties = { new("k", "1"), new("k", "2"), new("a", "z") },
        };
        var raw = await RawMqttConnection.ConnectedAsync(broker.Port, RawMqttConnection.Connect(NewClientId(), will: will));

        raw.Abort();

        var received = await subscriber.ReadAsync();
        var p = received.Properties;
        Assert.NotNull(p);
        Assert.Equal("application/json", p.ContentType);
        Assert.Equal("reply/here", p.ResponseTopic);
        Assert.Equal(new byte[] { 9, 8, 7 }, p.CorrelationData!.Value.ToArray());
        Assert.Equal(PayloadFormat.Utf8, p.PayloadFormatIndicator);
        Assert.InRange(p.MessageExpiryInterval!.Value, 99u, 100u);
        Assert.Equal([new("k", "1"), new("k", "2"), new("a", "z")], p.UserProperties);
        await raw.DisposeAsync();
    }

    [Fact]
    public async Task Will_TakenOverConnection_Published()
    {
        await using var broker = InProcessBroker.Start();
        var topic = NewTopic("will");
        var clientId = NewClientId();
        await using var subscriber = await SubscriberAsync(broker, topic);
        await using var first = await RawMqttConnection.ConnectedAsync(broker.Port, RawMqttConnection.Connect(clientId, will: Will(topic)));

        await using var second = await RawMqttConnection.ConnectedAsync(broker.Port, RawMqttConnection.Connect(clientId));

        // The taken-over connection is closed by the server, not by DISCONNECT 0x00: its will is published (5.0 §3.1.4).
        await first.ExpectDisconnectAndCloseAsync(ReasonCode.SessionTakenOver);
        Assert.Equal("gone", Text(await subscriber.ReadAsync()));
    }

    [Fact]
    public async Task Will_DollarTopic_NotPublished()
    {
        await using var broker = InProcessBroker.Start();
        await using var sys = await SubscriberAsync(broker, "$SYS/#", QualityOfService.AtMostOnce);
        await using var raw = await RawMqttConnection.OpenAsync(broker.Port);
        var connack = await raw.ConnectAsync(RawMqttConnection.Connect(NewClientId(), will: Will("$SYS/broker/forged", "forged", qos: QualityOfService.AtMostOnce)));

        // Refusing the CONNECT (0x90 Topic Name invalid) or dropping the will are both fine; publishing it is not.
        if (connack.ReasonCode == ReasonCode.Success)
        {
            raw.Abort();
        }
        else
        {
            Assert.Equal(ReasonCode.TopicNameInvalid, connack.ReasonCode);
            await raw.ExpectClosedAsync();
        }

        await Eventually.ClientsConnectedAsync(broker, 1);
        broker.Broker.PublishSystemMessage("$SYS/broker/marker", Bytes("marker"), retain: false);

        // 5.0 §4.7.2: '$' topics are the server's. A client cannot publish there (PUBACK 0x90), so neither
        // may its will: otherwise any client could forge $SYS messages by dropping its connection.
        Assert.Equal("marker", Text(await sys.ReadAsync()));
    }

    [Fact]
    public async Task WillDelay_MessageExpiry_CountedFromPublicationNotFromDisconnect()
    {
        var time = new ManualTimeProvider();
        await using var broker = InProcessBroker.Start(time: time);
        var topic = NewTopic("will");
        await using var subscriber = await SubscriberAsync(broker, topic);
        var will = Will(topic, delay: 10);
        will.Properties!.MessageExpiryInterval = 30;
        var raw = await RawMqttConnection.ConnectedAsync(broker.Port, RawMqttConnection.Connect(NewClientId(), sessionExpiry: 600, will: will));
        raw.Abort();
        await Eventually.ClientsConnectedAsync(broker, 1);

        time.Advance(TimeSpan.FromSeconds(10));

        // 5.0 §3.1.3.2.4: the will's Message Expiry Interval applies from when it is published.
        var received = await subscriber.ReadAsync();
        Assert.Equal("gone", Text(received));
        Assert.Equal(30u, received.Properties?.MessageExpiryInterval);
        await raw.DisposeAsync();
    }
}
