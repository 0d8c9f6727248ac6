namespace MqttHealth.Broker.Routing;

/// <summary>
/// CONTRACT STUB (being implemented): exact-topic dictionary plus wildcard trie, with shared groups.
/// Not thread-safe: the engine calls it under its lock. Matching allocates nothing.
/// </summary>
public sealed class SubscriptionIndex<TSubscriber>
    where TSubscriber : class
{
    /// <summary>Number of subscriptions held (shared members included).</summary>
    public int Count => throw new NotImplementedException();

    /// <summary>Adds the subscription, or replaces the subscriber's existing one with the same <see cref="SubscriptionEntry{TSubscriber}.TopicFilter"/>. Returns true when it replaced one.</summary>
    public bool Subscribe(SubscriptionEntry<TSubscriber> entry) => throw new NotImplementedException();

    /// <summary>Removes the subscriber's subscription with this exact filter (as sent, including $share). Returns false if there was none.</summary>
    public bool Unsubscribe(TSubscriber subscriber, string topicFilter) => throw new NotImplementedException();

    /// <summary>
    /// Appends every non-shared subscription whose filter matches <paramref name="topic"/> to
    /// <paramref name="direct"/> (one entry per matching subscription; a subscriber may appear more than
    /// once) and every shared group whose filter matches to <paramref name="shared"/>. Applies the rule
    /// that filters starting with a wildcard do not match topics starting with '$' [MQTT-4.7.2-1].
    /// </summary>
    public void Match(string topic, List<SubscriptionEntry<TSubscriber>> direct, List<SharedSubscriptionGroup<TSubscriber>> shared) => throw new NotImplementedException();
}
