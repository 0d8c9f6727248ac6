namespace MqttHealth.Bench.Load.Brokers;

/// <summary>The brokers the comparison runs, each as its own process on its own loopback port.</summary>
internal enum BrokerKind
{
    /// <summary>MqttHealth with durable storage: SQLite WAL, synchronous=FULL, group commit; acks only once durable.</summary>
    MqttHealthSqlite,

    /// <summary>MqttHealth with <c>--storage memory</c>: nothing written to disk.</summary>
    MqttHealthMemory,

    /// <summary>Mosquitto 2.0 from the Debian package, in its packaged default mode (see <see cref="MosquittoUnderTest"/>).</summary>
    Mosquitto,
}

/// <summary>Names of <see cref="BrokerKind"/> values on the command line and in the report.</summary>
internal static class BrokerKinds
{
    public static readonly BrokerKind[] All = [BrokerKind.MqttHealthSqlite, BrokerKind.MqttHealthMemory, BrokerKind.Mosquitto];

    public static string Key(this BrokerKind kind) => kind switch
    {
        BrokerKind.MqttHealthSqlite => "mqtthealth-sqlite",
        BrokerKind.MqttHealthMemory => "mqtthealth-memory",
        BrokerKind.Mosquitto => "mosquitto",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    public static string Label(this BrokerKind kind) => kind switch
    {
        BrokerKind.MqttHealthSqlite => "MqttHealth (SQLite, durable)",
        BrokerKind.MqttHealthMemory => "MqttHealth (in-memory)",
        BrokerKind.Mosquitto => "Mosquitto",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    public static bool TryParse(string key, out BrokerKind kind)
    {
        foreach (BrokerKind candidate in All)
        {
            if (string.Equals(candidate.Key(), key, StringComparison.OrdinalIgnoreCase))
            {
                kind = candidate;
                return true;
            }
        }

        kind = default;
        return false;
    }
}
