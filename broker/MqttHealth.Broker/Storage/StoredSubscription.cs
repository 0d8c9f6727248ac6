using MqttHealth.Mqtt.Protocol;

namespace MqttHealth.Broker.Storage;

/// <summary>One subscription of a persistent session.</summary>
/// <param name="TopicFilter">The filter as the client sent it, including any <c>$share/{group}/</c> prefix.</param>
/// <param name="MaximumQoS">The granted QoS.</param>
/// <param name="NoLocal">Subscription option No Local.</param>
/// <param name="RetainAsPublished">Subscription option Retain As Published.</param>
/// <param name="RetainHandling">Subscription option Retain Handling.</param>
/// <param name="SubscriptionIdentifier">The Subscription Identifier sent with the SUBSCRIBE, if any.</param>
public sealed record StoredSubscription(
    string TopicFilter,
    QualityOfService MaximumQoS,
    bool NoLocal,
    bool RetainAsPublished,
    RetainHandling RetainHandling,
    uint? SubscriptionIdentifier);
