namespace MqttHealth.Mqtt.Client;

/// <summary>
/// Topic aliases the client assigns on one connection (5.0 §3.3.2.3.4), first come, first served: the first
/// <c>maximum</c> distinct topics get aliases 1..maximum for the life of the connection and are never evicted.
/// Unlike an LRU, this never re-sends a topic to remap an alias, so a working set larger than the server's
/// Topic Alias Maximum costs nothing extra: its other topics simply go out in full. Mappings are per
/// connection [MQTT-3.3.2-7]. Used only under the connection's write lock, so wire order matches map order.
/// </summary>
internal sealed class OutgoingTopicAliases
{
    private readonly Dictionary<string, ushort> _aliases = new(StringComparer.Ordinal);
    private readonly ushort _maximum;
    private ushort _assigned;

    public OutgoingTopicAliases(ushort maximum) => _maximum = maximum;

    /// <summary>The alias for <paramref name="topic"/>, or 0 when none is left; <paramref name="isNew"/> means the topic must be sent with it.</summary>
    public ushort GetOrAdd(string topic, out bool isNew)
    {
        if (_aliases.TryGetValue(topic, out ushort alias))
        {
            isNew = false;
            return alias;
        }

        isNew = true;
        if (_assigned >= _maximum)
        {
            return 0;
        }

        alias = ++_assigned;
        _aliases.Add(topic, alias);
        return alias;
    }

    /// <summary>Forgets a mapping that never reached the wire (its number is not reused).</summary>
    public void Remove(string topic) => _aliases.Remove(topic);
}
