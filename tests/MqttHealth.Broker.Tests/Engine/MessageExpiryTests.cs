using MqttHealth.Broker.Tests.Infrastructure;
using MqttHealth.Mqtt.Client;
using MqttHealth.Mqtt.Protocol;
using static MqttHealth.Broker.Tests.Infrastructure.EngineClients;

namespace MqttHealth.Broker.Tests.Engine;

/// <summary>
/// Message Expiry Interval (5.0 §3.3.2.3.3) on a manual clock, so "15 s later" is exact: the remaining
/// interval is forwarded, and an expired message is never delivered.
/// </summary>
public class MessageExpiryTests
{
    private static MqttProperties Expiry(uint seconds) => new() { MessageExpiryInterval = seconds };

    private static async Task<MqttClient> OfflineSubscriberAsync(InProcessBroker broker, string topic)
    {
        var options = ClientOptions(broker.Port);
        options.CleanStart = false;
        options.SessionExpiryInterval = 3600;
        var client = new MqttClient(options);
        await client.ConnectAsync().WaitAsync(WaitLimit);
        await client.SubscribeAsync(topic, QualityOfService.AtLeastOnce);
        await client.DisconnectAsync();
        return client;
    }

    [Fact]
    public async Task MessageExpiry_LiveSubscriber_IntervalForwarded()
    {
        var time = new ManualTimeProvider();
        await using var broker = InProcessBroker.Start(time: time);
        var topic = NewTopic();
        await using var subscriber = await SubscriberAsync(broker, topic);
        await using var publisher = await ConnectAsync(broker);

        await publisher.PublishAsync(topic, Bytes("x"), QualityOfService.AtLeastOnce, properties: Expiry(60));

        Assert.Equal(60u, (await subscriber.ReadAsync()).Properties?.MessageExpiryInterval);
    }

    [Fact]
    public async Task MessageExpiry_QueuedWhileOffline_RemainingIntervalForwarded()
    {
        var time = new ManualTimeProvider();
        await using var broker = InProcessBroker.Start(time: time);
        var topic = NewTopic();
        await using var subscriber = await OfflineSubscriberAsync(broker, topic);
        await Eventually.ClientsConnectedAsync(broker, 0);
        await using var publisher = await ConnectAsync(broker);
        await publisher.PublishAsync(topic, Bytes("x"), QualityOfService.AtLeastOnce, properties: Expiry(60));

        time.Advance(TimeSpan.FromSeconds(15));
        await subscriber.ConnectAsync().WaitAsync(WaitLimit);

        // [MQTT-3.3.2-6]: the interval sent on is the original minus the time the message waited.
        var message = await subscriber.ReadAsync();
        Assert.Equal("x", Text(message));
        Assert.Equal(45u, message.Properties?.MessageExpiryInterval);
    }

    [Fact]
    public async Task MessageExpiry_ExpiredWhileQueued_NeverDelivered()
    {
        var time = new ManualTimeProvider();
        await using var broker = InProcessBroker.Start(time: time);
        var topic = NewTopic();
        await using var subscriber = await OfflineSubscriberAsync(broker, topic);
        await Eventually.ClientsConnectedAsync(broker, 0);
        await using var publisher = await ConnectAsync(broker);
        await publisher.PublishAsync(topic, Bytes("expires"), QualityOfService.AtLeastOnce, properties: Expiry(5));
        await publisher.PublishAsync(topic, Bytes("stays"), QualityOfService.AtLeastOnce, properties: Expiry(50));

        time.Advance(TimeSpan.FromSeconds(6));
        await subscriber.ConnectAsync().WaitAsync(WaitLimit);
        await publisher.PublishAsync(topic, Bytes("marker"), QualityOfService.AtLeastOnce);

        // [MQTT-3.3.2-5]: once the interval has passed the server must not deliver the message.
        var before = await subscriber.ReadUntilAsync("marker");
        var only = Assert.Single(before);
        Assert.Equal("stays", Text(only));
        Assert.Equal(44u, only.Properties?.MessageExpiryInterval);
        Assert.Equal(1, broker.Metrics.MessagesDropped);
    }

    [Fact]
    public async Task MessageExpiry_RetainedMessage_RemainingIntervalSentOnSubscribe()
    {
        var time = new ManualTimeProvider();
        await using var broker = InProcessBroker.Start(time: time);
        var topic = NewTopic();
        await using var publisher = await ConnectAsync(broker);
        await publisher.PublishAsync(topic, Bytes("retained"), QualityOfService.AtLeastOnce, retain: true, properties: Expiry(60));

        time.Advance(TimeSpan.FromSeconds(20));
        await using var subscriber = await SubscriberAsync(broker, topic);

        var message = await subscriber.ReadAsync();
        Assert.True(message.Retain);
        Assert.Equal(40u, message.Properties?.MessageExpiryInterval);
    }

    [Fact]
    public async Task MessageExpiry_RetainedMessageExpired_NotSentOnSubscribe()
    {
        var time = new ManualTimeProvider();
        await using var broker = InProcessBroker.Start(time: time);
        var topic = NewTopic();
        await using var publisher = await ConnectAsync(broker);
        await publisher.PublishAsync(topic, Bytes("retained"), QualityOfService.AtLeastOnce, retain: true, properties: Expiry(5));

        time.Advance(TimeSpan.FromSeconds(5));
        await using var subscriber = await SubscriberAsync(broker, topic);
        await publisher.PublishAsync(topic, Bytes("marker"), QualityOfService.AtLeastOnce);

        // [MQTT-3.3.2-5]: an expired retained message is not sent to a new subscriber.
        Assert.Equal("marker", Text(await subscriber.ReadAsync()));
        Assert.Equal(0, broker.Metrics.RetainedMessages);
    }
}
