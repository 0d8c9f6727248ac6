using MqttHealth.Broker.Options;

namespace MqttHealth.Broker.Storage;

/// <summary>Picks the store named by <see cref="BrokerOptions.Storage"/>.</summary>
public static partial class BrokerStoreFactory
{
    public const string Sqlite = "sqlite";

    public const string Memory = "memory";

    /// <summary>
    /// <c>sqlite</c> (the default): <see cref="SqliteBrokerStore"/> on <c>&lt;DataDirectory&gt;/broker.db</c>;
    /// <c>memory</c>: <see cref="InMemoryBrokerStore"/>, nothing survives a restart. Case-insensitive.
    /// </summary>
    /// <exception cref="BrokerStoreException">Unknown mode, or the database cannot be used.</exception>
    public static IBrokerStore Create(BrokerOptions options, ILoggerFactory loggerFactory)
    {
        if (string.Equals(options.Storage, Sqlite, StringComparison.OrdinalIgnoreCase))
        {
            return new SqliteBrokerStore(options.DataDirectory, loggerFactory.CreateLogger<SqliteBrokerStore>());
        }

        if (string.Equals(options.Storage, Memory, StringComparison.OrdinalIgnoreCase))
        {
            LogMemoryMode(loggerFactory.CreateLogger(typeof(BrokerStoreFactory).FullName!));
            return new InMemoryBrokerStore();
        }

        throw new BrokerStoreException(
            $"Unknown storage mode '{options.Storage}' ({BrokerOptions.SectionName}:Storage, --storage). " +
            $"Valid values: '{Sqlite}' (durable, the default; the database is <data>/{SqliteSchema.DatabaseFileName}) or '{Memory}' (nothing survives a restart; for benchmarks).");
    }

    [LoggerMessage(EventId = 2110, Level = LogLevel.Warning, Message = "Storage: memory mode. Persistent sessions, queued messages and retained messages are lost when the broker stops")]
    private static partial void LogMemoryMode(ILogger logger);
}
