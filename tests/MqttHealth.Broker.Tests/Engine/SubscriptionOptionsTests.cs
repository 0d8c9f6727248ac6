using MqttHealth.Broker.Tests.Infrastructure;
using MqttHealth.Mqtt.Packets;
using MqttHealth.Mqtt.Protocol;
using static MqttHealth.Broker.Tests.Infrastructure.EngineClients;

namespace MqttHealth.Broker.Tests.Engine;

/// <summary>Subscription options (5.0 §3.8.3.1), subscription identifiers (§3.8.2.1.2) and the granted QoS.</summary>
public class SubscriptionOptionsTests
{
    [Fact]
    public async Task NoLocal_OwnPublish_NotReceivedButOthersAre()
    {
        await using var broker = InProcessBroker.Start();
        var topic = NewTopic();
        await using var self = await ConnectAsync(broker);
        await self.SubscribeAsync([new MqttSubscription(topic, QualityOfService.AtLeastOnce, NoLocal: true)]);
        await using var other = await SubscriberAsync(broker, topic);

        await self.PublishAsync(topic, Bytes("own"), QualityOfService.AtLeastOnce);
        await other.PublishAsync(topic, Bytes("from other"), QualityOfService.AtLeastOnce);

        // [MQTT-3.8.3-3]: not forwarded to the connection that published it; others still get it.
        Assert.Equal("from other", Text(await self.ReadAsync()));
        Assert.Equal("own", Text(await other.ReadAsync()));
    }

    [Fact]
    public async Task NoLocalOff_OwnPublish_Received()
    {
        await using var broker = InProcessBroker.Start();
        var topic = NewTopic();
        await using var self = await SubscriberAsync(broker, topic);

        await self.PublishAsync(topic, Bytes("own"), QualityOfService.AtLeastOnce);

        Assert.Equal("own", Text(await self.ReadAsync()));
    }

    [Fact]
    public async Task RetainAsPublished_LiveRetainedPublish_FlagKeptOnlyWhenSet()
    {
        await using var broker = InProcessBroker.Start();
        var topic = NewTopic();
        await using var keeps = await ConnectAsync(broker);
        await keeps.SubscribeAsync([new MqttSubscription(topic, QualityOfService.AtLeastOnce, RetainAsPublished: true)]);
        await using var clears = await ConnectAsync(broker);
        await clears.SubscribeAsync([new MqttSubscription(topic, QualityOfService.AtLeastOnce, RetainAsPublished: false)]);
        await using var publisher = await ConnectAsync(broker);

        await publisher.PublishAsync(topic, Bytes("r"), QualityOfService.AtLeastOnce, retain: true);
        await publisher.PublishAsync(topic, Bytes("n"), QualityOfService.AtLeastOnce, retain: false);

        // [MQTT-3.3.1-12] (cleared) and [MQTT-3.3.1-13] (kept as published).
        Assert.True((await keeps.ReadAsync()).Retain);
        Assert.False((await keeps.ReadAsync()).Retain);
        Assert.False((await clears.ReadAsync()).Retain);
        Assert.False((await clears.ReadAsync()).Retain);
    }

    [Fact]
    public async Task RetainHandling0_EverySubscribe_RetainedMessageSent()
    {
        await using var broker = InProcessBroker.Start();
        var topic = NewTopic();
        await using var publisher = await ConnectAsync(broker);
        await publisher.PublishAsync(topic, Bytes("retained"), QualityOfService.AtLeastOnce, retain: true);
        await using var subscriber = await ConnectAsync(broker);
        var subscription = new MqttSubscription(topic, QualityOfService.AtLeastOnce, RetainHandling: RetainHandling.SendAtSubscribe);

        await subscriber.SubscribeAsync([subscription]);
        var first = await subscriber.ReadAsync();
        await subscriber.SubscribeAsync([subscription]);
        var again = await subscriber.ReadAsync();

        // [MQTT-3.3.1-9]: sent at every subscribe, with RETAIN 1, also when the subscription already existed.
        Assert.Equal(("retained", true), (Text(first), first.Retain));
        Assert.Equal(("retained", true), (Text(again), again.Retain));
    }

    [Fact]
    public async Task RetainHandling1_ResubscribeToExistingSubscription_RetainedMessageNotSentAgain()
    {
        await using var broker = InProcessBroker.Start();
        var topic = NewTopic();
        await using var publisher = await ConnectAsync(broker);
        await publisher.PublishAsync(topic, Bytes("retained"), QualityOfService.AtLeastOnce, retain: true);
        await using var subscriber = await ConnectAsync(broker);
        var subscription = new MqttSubscription(topic, QualityOfService.AtLeastOnce, RetainHandling: RetainHandling.SendAtSubscribeIfNew);

        await subscriber.SubscribeAsync([subscription]);
        Assert.Equal("retained", Text(await subscriber.ReadAsync()));
        await subscriber.SubscribeAsync([subscription]);
        await publisher.PublishAsync(topic, Bytes("marker"), QualityOfService.AtLeastOnce);

        // [MQTT-3.3.1-10]: only when the subscription did not exist.
        Assert.Equal("marker", Text(await subscriber.ReadAsync()));
    }

    [Fact]
    public async Task RetainHandling2_Subscribe_RetainedMessageNotSent()
    {
        await using var broker = InProcessBroker.Start();
        var topic = NewTopic();
        await using var publisher = await ConnectAsync(broker);
        await publisher.PublishAsync(topic, Bytes("retained"), QualityOfService.AtLeastOnce, retain: true);
        await using var subscriber = await ConnectAsync(broker);

        await subscriber.SubscribeAsync([new MqttSubscription(topic, QualityOfService.AtLeastOnce, RetainHandling: RetainHandling.DoNotSend)]);
        await publisher.PublishAsync(topic, Bytes("marker"), QualityOfService.AtLeastOnce);

        // [MQTT-3.3.1-11].
        Assert.Equal("marker", Text(await subscriber.ReadAsync()));
    }

    [Fact]
    public async Task SubscriptionIdentifier_Single_SentWithTheMessage()
    {
        await using var broker = InProcessBroker.Start();
        var topic = NewTopic();
        await using var subscriber = await ConnectAsync(broker);
        await subscriber.SubscribeAsync([new MqttSubscription(topic, QualityOfService.AtLeastOnce)], new MqttProperties { SubscriptionIdentifiers = { 7 } });

        await subscriber.PublishAsync(topic, Bytes("x"), QualityOfService.AtLeastOnce);

        // [MQTT-3.3.4-3].
        Assert.Equal([7u], (await subscriber.ReadAsync()).SubscriptionIdentifiers);
    }

    [Fact]
    public async Task SubscriptionIdentifier_TwoOverlappingSubscriptions_OneMessageWithBothIdentifiers()
    {
        await using var broker = InProcessBroker.Start();
        var prefix = NewTopic("p");
        await using var subscriber = await ConnectAsync(broker);
        await subscriber.SubscribeAsync([new MqttSubscription(prefix + "/+", QualityOfService.AtLeastOnce)], new MqttProperties { SubscriptionIdentifiers = { 1 } });
        await subscriber.SubscribeAsync([new MqttSubscription(prefix + "/x", QualityOfService.AtLeastOnce)], new MqttProperties { SubscriptionIdentifiers = { 2 } });
        await subscriber.SubscribeAsync([new MqttSubscription(prefix + "/marker", QualityOfService.AtLeastOnce)]);

        await subscriber.PublishAsync(prefix + "/x", Bytes("x"), QualityOfService.AtLeastOnce);
        await subscriber.PublishAsync(prefix + "/marker", Bytes("marker"), QualityOfService.AtLeastOnce);

        // One copy to the session, carrying the identifiers of both matching subscriptions [MQTT-3.3.4-4].
        var before = await subscriber.ReadUntilAsync("marker");
        var message = Assert.Single(before);
        Assert.Equal([1u, 2u], message.SubscriptionIdentifiers.Order());
    }

    [Fact]
    public async Task SubscriptionIdentifier_ResubscribeWithout_IdentifierRemoved()
    {
        await using var broker = InProcessBroker.Start();
        var topic = NewTopic();
        await using var subscriber = await ConnectAsync(broker);
        await subscriber.SubscribeAsync([new MqttSubscription(topic, QualityOfService.AtLeastOnce)], new MqttProperties { SubscriptionIdentifiers = { 7 } });
        await subscriber.SubscribeAsync([new MqttSubscription(topic, QualityOfService.AtLeastOnce)]);

        await subscriber.PublishAsync(topic, Bytes("x"), QualityOfService.AtLeastOnce);

        // 5.0 §3.8.2.1.2: the identifier belongs to the subscription; replacing it without one removes it.
        Assert.Empty((await subscriber.ReadAsync()).SubscriptionIdentifiers);
    }

    [Theory]
    [InlineData(QualityOfService.AtLeastOnce, QualityOfService.ExactlyOnce, QualityOfService.AtLeastOnce)]
    [InlineData(QualityOfService.AtMostOnce, QualityOfService.AtLeastOnce, QualityOfService.AtMostOnce)]
    [InlineData(QualityOfService.AtMostOnce, QualityOfService.ExactlyOnce, QualityOfService.AtMostOnce)]
    [InlineData(QualityOfService.ExactlyOnce, QualityOfService.AtLeastOnce, QualityOfService.AtLeastOnce)]
    public async Task GrantedQoS_MessageQoS_DeliveredAtTheMinimum(QualityOfService subscribed, QualityOfService published, QualityOfService expected)
    {
        await using var broker = InProcessBroker.Start();
        var topic = NewTopic();
        await using var subscriber = await SubscriberAsync(broker, topic, subscribed);
        await using var publisher = await ConnectAsync(broker);

        await publisher.PublishAsync(topic, Bytes("x"), published);

        // [MQTT-3.8.4-8]: the QoS of the delivered message is the minimum of the two.
        Assert.Equal(expected, (await subscriber.ReadAsync()).QoS);
    }

    [Fact]
    public async Task GrantedQoS_BrokerMaximumQoS1_SubAckGrants1AndDowngrades()
    {
        await using var broker = InProcessBroker.Start(o => o.MaximumQoS = QualityOfService.AtLeastOnce);
        var topic = NewTopic();
        await using var raw = await RawMqttConnection.ConnectedAsync(broker.Port, RawMqttConnection.Connect(NewClientId()));

        var suback = await raw.SubscribeAsync(topic, QualityOfService.ExactlyOnce);

        // 5.0 §3.9.3: the SUBACK code is the granted QoS, here below the requested one.
        Assert.Equal(ReasonCode.GrantedQoS1, Assert.Single(suback.ReasonCodes));
    }

    [Fact]
    public async Task GrantedQoS_OverlappingSubscriptionsOfOneSession_HighestQoSWins()
    {
        await using var broker = InProcessBroker.Start();
        var prefix = NewTopic("p");
        await using var subscriber = await ConnectAsync(broker);
        await subscriber.SubscribeAsync(prefix + "/#", QualityOfService.AtMostOnce);
        await subscriber.SubscribeAsync(prefix + "/x", QualityOfService.ExactlyOnce);
        await using var publisher = await ConnectAsync(broker);

        await publisher.PublishAsync(prefix + "/x", Bytes("x"), QualityOfService.ExactlyOnce);
        await publisher.PublishAsync(prefix + "/x", Bytes("marker"), QualityOfService.AtMostOnce);

        // [MQTT-3.3.4-2]: delivered respecting the maximum QoS of all matching subscriptions.
        var before = await subscriber.ReadUntilAsync("marker");
        Assert.Equal(QualityOfService.ExactlyOnce, Assert.Single(before).QoS);
    }

    [Fact]
    public async Task Unsubscribe_ExistingAndMissingFilters_Success0x00AndNoSubscriptionExisted0x11()
    {
        await using var broker = InProcessBroker.Start();
        var topic = NewTopic();
        await using var subscriber = await SubscriberAsync(broker, topic);

        var result = await subscriber.UnsubscribeAsync([topic, topic + "/never"]);

        // 5.0 §3.11.3: one code per filter, in order.
        Assert.Equal([ReasonCode.Success, ReasonCode.NoSubscriptionExisted], result.ReasonCodes);
        var ack = await subscriber.PublishAsync(topic, Bytes("y"), QualityOfService.AtLeastOnce);
        Assert.Equal(ReasonCode.NoMatchingSubscribers, ack.ReasonCode);
    }
}
