namespace MqttHealth.Broker.Routing;

/// <summary>
/// The members of one <c>$share/{ShareName}/{Filter}</c> group. The engine picks one member per message
/// (round robin over members that can take it) and advances <see cref="NextMember"/>.
/// </summary>
public sealed class SharedSubscriptionGroup<TSubscriber>
    where TSubscriber : class
{
    public SharedSubscriptionGroup(string shareName, string filter)
    {
        ShareName = shareName;
        Filter = filter;
    }

    public string ShareName { get; }

    public string Filter { get; }

    /// <summary>Members in subscription order; never empty while the group is in the index.</summary>
    public List<SubscriptionEntry<TSubscriber>> Members { get; } = [];

    /// <summary>Round-robin cursor: the member to try first for the next message (the engine keeps it in range).</summary>
    public int NextMember { get; set; }
}
