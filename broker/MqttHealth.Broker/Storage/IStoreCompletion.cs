namespace MqttHealth.Broker.Storage;

/// <summary>
/// Told when an operation handed to <see cref="StoreWriter.Enqueue"/> is durable. Called on the writer's
/// thread, in the order the operations were enqueued; implementations must be short and must not block.
/// </summary>
public interface IStoreCompletion
{
    void OnDurable();

    void OnFailed(Exception error);
}
