namespace MqttHealth.Mqtt.Client;

/// <summary>
/// Packet Identifiers of the client's session: PUBLISH (QoS 1 and 2), SUBSCRIBE and UNSUBSCRIBE share one space
/// and an identifier is not reused while its exchange is in flight [MQTT-2.2.1-3]. A bit per identifier and a
/// rotating start point: allocation is O(1) while few are in use. Not thread-safe: the client's lock guards it.
/// </summary>
internal sealed class PacketIdentifierPool
{
    private readonly ulong[] _used = new ulong[65536 / 64];
    private int _next = 1;

    public int Count { get; private set; }

    public bool TryAllocate(out ushort id)
    {
        if (Count >= ushort.MaxValue)
        {
            id = 0;
            return false;
        }

        int candidate = _next;
        while (true)
        {
            if (candidate > ushort.MaxValue)
            {
                candidate = 1;
            }

            ulong bit = 1UL << (candidate & 63);
            ref ulong word = ref _used[candidate >> 6];
            if ((word & bit) == 0)
            {
                word |= bit;
                Count++;
                _next = candidate + 1;
                id = (ushort)candidate;
                return true;
            }

            candidate++;
        }
    }

    /// <summary>Takes a given identifier (one the application chose); false when it is in use.</summary>
    public bool TryReserve(ushort id)
    {
        ulong bit = 1UL << (id & 63);
        ref ulong word = ref _used[id >> 6];
        if (id == 0 || (word & bit) != 0)
        {
            return false;
        }

        word |= bit;
        Count++;
        return true;
    }

    public void Release(ushort id)
    {
        ulong bit = 1UL << (id & 63);
        ref ulong word = ref _used[id >> 6];
        if ((word & bit) != 0)
        {
            word &= ~bit;
            Count--;
        }
    }
}
