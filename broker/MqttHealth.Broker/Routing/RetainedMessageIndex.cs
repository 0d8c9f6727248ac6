using MqttHealth.Broker.Messages;

namespace MqttHealth.Broker.Routing;

/// <summary>
/// CONTRACT STUB (being implemented): retained messages by topic, in a topic tree so that a wildcard
/// SUBSCRIBE visits only the matching branches. Not thread-safe: the engine calls it under its lock.
/// </summary>
public sealed class RetainedMessageIndex
{
    public int Count => throw new NotImplementedException();

    /// <summary>Sets (or replaces) the retained message of <see cref="BrokerMessage.Topic"/>. Returns the one it replaced, if any.</summary>
    public BrokerMessage? Set(BrokerMessage message) => throw new NotImplementedException();

    /// <summary>Clears the retained message of a topic. Returns the removed message, if any.</summary>
    public BrokerMessage? Remove(string topic) => throw new NotImplementedException();

    /// <summary>Appends every retained message whose topic matches <paramref name="filter"/> (the $-rule applies).</summary>
    public void Match(string filter, List<BrokerMessage> results) => throw new NotImplementedException();
}
