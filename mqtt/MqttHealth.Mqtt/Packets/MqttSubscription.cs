using MqttHealth.Mqtt.Protocol;

namespace MqttHealth.Mqtt.Packets;

/// <summary>One Topic Filter of a SUBSCRIBE with its Subscription Options (5.0 §3.8.3.1).</summary>
public sealed record MqttSubscription(
    string TopicFilter,
    QualityOfService MaximumQoS,
    bool NoLocal = false,
    bool RetainAsPublished = false,
    RetainHandling RetainHandling = RetainHandling.SendAtSubscribe);
