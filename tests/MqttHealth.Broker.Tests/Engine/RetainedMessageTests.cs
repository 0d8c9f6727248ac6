using MqttHealth.Broker.Tests.Infrastructure;
using MqttHealth.Mqtt.Protocol;
using static MqttHealth.Broker.Tests.Infrastructure.EngineClients;

namespace MqttHealth.Broker.Tests.Engine;

/// <summary>Retained messages (5.0 §3.3.1.3): set, replace, clear, and the RETAIN flag on subscribe.</summary>
public class RetainedMessageTests
{
    [Fact]
    public async Task Retained_Set_SentToNewSubscriberWithRetainFlag()
    {
        await using var broker = InProcessBroker.Start();
        var topic = NewTopic();
        await using var publisher = await ConnectAsync(broker);
        await publisher.PublishAsync(topic, Bytes("v1"), QualityOfService.AtLeastOnce, retain: true);

        await using var subscriber = await SubscriberAsync(broker, topic);

        // [MQTT-3.3.1-5] stored; [MQTT-3.3.1-9] sent on subscribe with RETAIN 1.
        var message = await subscriber.ReadAsync();
        Assert.Equal(("v1", true, QualityOfService.AtLeastOnce), (Text(message), message.Retain, message.QoS));
        Assert.Equal(1, broker.Metrics.RetainedMessages);
    }

    [Fact]
    public async Task Retained_Replaced_NewSubscriberGetsOnlyTheLatest()
    {
        await using var broker = InProcessBroker.Start();
        var topic = NewTopic();
        await using var publisher = await ConnectAsync(broker);
        await publisher.PublishAsync(topic, Bytes("v1"), QualityOfService.AtLeastOnce, retain: true);
        await publisher.PublishAsync(topic, Bytes("v2"), QualityOfService.AtLeastOnce, retain: true);

        await using var subscriber = await SubscriberAsync(broker, topic);
        await publisher.PublishAsync(topic, Bytes("marker"), QualityOfService.AtLeastOnce);

        // [MQTT-3.3.1-5]: the new retained message replaces the old one.
        var before = await subscriber.ReadUntilAsync("marker");
        Assert.Equal("v2", Text(Assert.Single(before)));
        Assert.Equal(1, broker.Metrics.RetainedMessages);
    }

    [Fact]
    public async Task Retained_EmptyPayload_ClearsTheRetainedMessage()
    {
        await using var broker = InProcessBroker.Start();
        var topic = NewTopic();
        await using var publisher = await ConnectAsync(broker);
        await publisher.PublishAsync(topic, Bytes("v1"), QualityOfService.AtLeastOnce, retain: true);
        await publisher.PublishAsync(topic, ReadOnlyMemory<byte>.Empty, QualityOfService.AtLeastOnce, retain: true);

        await using var subscriber = await SubscriberAsync(broker, topic);
        await publisher.PublishAsync(topic, Bytes("marker"), QualityOfService.AtLeastOnce);

        // [MQTT-3.3.1-6], [MQTT-3.3.1-7]: an empty retained payload removes it and is not stored itself.
        Assert.Equal("marker", Text(await subscriber.ReadAsync()));
        Assert.Equal(0, broker.Metrics.RetainedMessages);
    }

    [Fact]
    public async Task Retained_EmptyPayload_ForwardedToCurrentSubscribers()
    {
        await using var broker = InProcessBroker.Start();
        var topic = NewTopic();
        await using var subscriber = await SubscriberAsync(broker, topic);
        await using var publisher = await ConnectAsync(broker);

        await publisher.PublishAsync(topic, ReadOnlyMemory<byte>.Empty, QualityOfService.AtLeastOnce, retain: true);

        // 5.0 §3.3.1.3: the clearing message is delivered like any other (RETAIN 0 without Retain As Published).
        var message = await subscriber.ReadAsync();
        Assert.Equal(0, message.Payload.Length);
        Assert.False(message.Retain);
    }

    [Fact]
    public async Task Retained_WildcardSubscription_AllMatchingSentWithRetainFlag()
    {
        await using var broker = InProcessBroker.Start();
        var prefix = NewTopic("p");
        await using var publisher = await ConnectAsync(broker);
        await publisher.PublishAsync(prefix + "/a", Bytes("a"), QualityOfService.AtLeastOnce, retain: true);
        await publisher.PublishAsync(prefix + "/b/c", Bytes("c"), QualityOfService.AtLeastOnce, retain: true);
        await publisher.PublishAsync(prefix + "/x", Bytes("x"), QualityOfService.AtLeastOnce, retain: false);

        await using var subscriber = await SubscriberAsync(broker, prefix + "/#");
        await publisher.PublishAsync(prefix + "/marker", Bytes("marker"), QualityOfService.AtLeastOnce);

        var before = await subscriber.ReadUntilAsync("marker");
        Assert.Equal(["a", "c"], before.Select(Text).Order(StringComparer.Ordinal));
        Assert.All(before, m => Assert.True(m.Retain));
    }

    [Fact]
    public async Task Retained_SubscriptionQoSLower_SentAtTheGrantedQoS()
    {
        await using var broker = InProcessBroker.Start();
        var topic = NewTopic();
        await using var publisher = await ConnectAsync(broker);
        await publisher.PublishAsync(topic, Bytes("v"), QualityOfService.ExactlyOnce, retain: true);

        await using var subscriber = await SubscriberAsync(broker, topic, QualityOfService.AtMostOnce);

        Assert.Equal(QualityOfService.AtMostOnce, (await subscriber.ReadAsync()).QoS);
    }
}
