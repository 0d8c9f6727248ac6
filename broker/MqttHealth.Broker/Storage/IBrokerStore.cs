namespace MqttHealth.Broker.Storage;

/// <summary>
/// The broker's durable state. Called from one thread at a time (the <see cref="StoreWriter"/>'s, and
/// <see cref="Load"/> once at start-up before it).
/// </summary>
public interface IBrokerStore : IDisposable
{
    /// <summary>False for the in-memory mode: nothing survives a restart.</summary>
    bool IsDurable { get; }

    /// <summary>
    /// Reads the whole state. Throws <see cref="BrokerStoreException"/> when the database is corrupt or
    /// unreadable: the broker must refuse to start rather than run with part of its promises lost.
    /// </summary>
    StoredBrokerState Load();

    /// <summary>Applies the operations in order, in one transaction; durable (fsync'd) when it returns.</summary>
    void Apply(IReadOnlyList<StoreOperation> operations);
}
