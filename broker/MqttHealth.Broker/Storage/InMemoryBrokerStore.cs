namespace MqttHealth.Broker.Storage;

/// <summary>
/// The <c>memory</c> storage mode, for benchmarks and throw-away test brokers: nothing is written, so
/// nothing survives a restart (persistent sessions, queued messages and retained messages live only in
/// the engine's memory). The engine skips the <see cref="StoreWriter"/> entirely when
/// <see cref="IsDurable"/> is false, so a PUBLISH is acknowledged without waiting for any disk.
/// </summary>
public sealed class InMemoryBrokerStore : IBrokerStore
{
    public bool IsDurable => false;

    public StoredBrokerState Load() => StoredBrokerState.Empty;

    /// <summary>Does nothing: the state lives in the engine only.</summary>
    public void Apply(IReadOnlyList<StoreOperation> operations)
    {
    }

    public void Dispose()
    {
    }
}
