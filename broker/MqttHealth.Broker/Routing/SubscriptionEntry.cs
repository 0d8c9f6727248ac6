using MqttHealth.Mqtt.Packets;

namespace MqttHealth.Broker.Routing;

/// <summary>One subscription held by the index.</summary>
/// <typeparam name="TSubscriber">The engine's session type.</typeparam>
/// <param name="Subscriber">Who subscribed.</param>
/// <param name="TopicFilter">The filter as sent, including any <c>$share/{group}/</c> prefix (the unsubscribe key).</param>
/// <param name="ShareName">The share group name for a shared subscription; null otherwise.</param>
/// <param name="Filter">The filter that is matched against topics (without the <c>$share/{group}/</c> prefix).</param>
/// <param name="Options">Granted QoS and the subscription options.</param>
/// <param name="SubscriptionIdentifier">The Subscription Identifier sent with it, if any.</param>
public sealed record SubscriptionEntry<TSubscriber>(
    TSubscriber Subscriber,
    string TopicFilter,
    string? ShareName,
    string Filter,
    MqttSubscription Options,
    uint? SubscriptionIdentifier)
    where TSubscriber : class;
