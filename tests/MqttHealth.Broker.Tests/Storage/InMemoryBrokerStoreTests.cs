using MqttHealth.Broker.Storage;
using static MqttHealth.Broker.Tests.Storage.StoreTestData;

namespace MqttHealth.Broker.Tests.Storage;

public sealed class InMemoryBrokerStoreTests
{
    [Fact]
    public void InMemoryStore_AfterApply_IsNotDurableAndLoadsNothing()
    {
        using var store = new InMemoryBrokerStore();

        store.Apply([new SaveSession(Session("c")), new SetRetained(Message(1, "r"))]);

        Assert.False(store.IsDurable);
        Assert.Same(StoredBrokerState.Empty, store.Load());
        Assert.Empty(StoredBrokerState.Empty.Sessions);
        Assert.Equal(0, StoredBrokerState.Empty.MaxMessageId);
    }
}
