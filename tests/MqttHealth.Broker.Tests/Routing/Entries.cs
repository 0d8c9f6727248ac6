using MqttHealth.Broker.Routing;
using MqttHealth.Mqtt.Packets;
using MqttHealth.Mqtt.Protocol;
using MqttHealth.Mqtt.Topics;

namespace MqttHealth.Broker.Tests.Routing;

/// <summary>Builds subscription entries the way the engine does: the filter as sent, split with <see cref="MqttTopic.TryParseShared"/>.</summary>
public static class Entries
{
    public static SubscriptionEntry<TestSubscriber> Of(TestSubscriber subscriber, string topicFilter, QualityOfService qos = QualityOfService.AtLeastOnce, uint? subscriptionIdentifier = null)
    {
        Assert.True(MqttTopic.IsValidTopicFilter(topicFilter), topicFilter);
        var options = new MqttSubscription(topicFilter, qos, NoLocal: false, RetainAsPublished: false, RetainHandling.SendAtSubscribe);
        return MqttTopic.TryParseShared(topicFilter, out string shareName, out string filter)
            ? new SubscriptionEntry<TestSubscriber>(subscriber, topicFilter, shareName, filter, options, subscriptionIdentifier)
            : new SubscriptionEntry<TestSubscriber>(subscriber, topicFilter, null, topicFilter, options, subscriptionIdentifier);
    }
}
