using MqttHealth.Broker.Storage;
using MqttHealth.Mqtt.Protocol;
using static MqttHealth.Broker.Tests.Storage.StoreTestData;

namespace MqttHealth.Broker.Tests.Storage;

/// <summary>
/// A database written by a version 1 broker (schema SQL frozen in <see cref="SchemaVersion1"/>) opened by this one:
/// migrated in place to the current version, every row kept, sessions without an owner until one is saved.
/// </summary>
public sealed class SchemaMigrationTests : IDisposable
{
    private readonly StorageTestDirectory _directory = new();
    private readonly StringWriter _output = new();
    private readonly StringWriter _error = new();

    public void Dispose()
    {
        _directory.Dispose();
        _output.Dispose();
        _error.Dispose();
    }

    [Fact]
    public void Open_Version1Database_MigratesInPlaceAndLoadsEveryRowWithoutOwners()
    {
        SchemaVersion1.Create(_directory);
        Assert.Equal(1, _directory.Scalar("PRAGMA user_version"));

        StoredBrokerState state;
        using (var store = _directory.OpenStore())
        {
            state = store.Load();
        }

        Assert.Equal(SqliteSchema.Version, _directory.Scalar("PRAGMA user_version"));
        Assert.Equal(1, _directory.Scalar("SELECT count(*) FROM pragma_table_info('sessions') WHERE name = 'owner'"));
        var sessions = state.Sessions.ToDictionary(s => s.ClientId);
        Assert.Equal(2, sessions.Count);
        var bed = sessions[SchemaVersion1.Bed7];
        Assert.Null(bed.Owner);
        Assert.Equal((MqttProtocolVersion.V500, 3600u, (long?)1_700_000_000_000), (bed.ProtocolVersion, bed.SessionExpiryInterval, bed.DisconnectedAtUnixMs));
        var subscription = Assert.Single(bed.Subscriptions);
        Assert.Equal(("mh/v1/f1/u1/dev42/cmd", QualityOfService.AtLeastOnce, (uint?)12), (subscription.TopicFilter, subscription.MaximumQoS, subscription.SubscriptionIdentifier));
        var delivery = Assert.Single(bed.Deliveries);
        Assert.Equal(41, delivery.Message.Id);
        Assert.Equal("reboot"u8.ToArray(), delivery.Message.Payload.ToArray());
        var legacy = sessions[SchemaVersion1.Legacy311];
        Assert.Null(legacy.Owner);
        Assert.Equal((MqttProtocolVersion.V311, uint.MaxValue, (long?)null), (legacy.ProtocolVersion, legacy.SessionExpiryInterval, legacy.DisconnectedAtUnixMs));
        Assert.Equal([(ushort)9], legacy.InboundQos2PacketIds);
        var retained = Assert.Single(state.Retained);
        Assert.Equal(("mh/v1/f1/u1/dev42/status", "text/plain"), (retained.Topic, retained.ContentType));
        Assert.Equal(42, state.MaxMessageId);
    }

    [Fact]
    public void MigratedDatabase_StoresAnOwnerAndReopensWithoutMigratingAgain()
    {
        SchemaVersion1.Create(_directory);
        using (var store = _directory.OpenStore())
        {
            store.Load();
            store.Apply([new SaveSession(Session(SchemaVersion1.Bed7, disconnectedAt: 1_700_000_000_500, owner: "Password:dev42"))]);
        }

        using var reopened = _directory.OpenStore();
        var sessions = reopened.Load().Sessions.ToDictionary(s => s.ClientId);

        Assert.Equal("Password:dev42", sessions[SchemaVersion1.Bed7].Owner);
        Assert.Single(sessions[SchemaVersion1.Bed7].Deliveries); // the session row changed, not what hangs under it
        Assert.Null(sessions[SchemaVersion1.Legacy311].Owner);
    }

    [Fact]
    public void Open_Version1DatabaseWhoseMigrationFails_IsRefusedAndLeftAtVersion1()
    {
        SchemaVersion1.Create(_directory);

        // Someone added the column by hand: ALTER TABLE fails, and the whole migration with it.
        _directory.Execute("ALTER TABLE sessions ADD COLUMN owner TEXT");

        var error = Assert.Throws<BrokerStoreException>(_directory.OpenStore);

        Assert.Contains(_directory.DatabasePath, error.Message, StringComparison.Ordinal);
        Assert.Contains("duplicate column name: owner", error.Message, StringComparison.Ordinal);
        Assert.Equal(1, _directory.Scalar("PRAGMA user_version"));
        Assert.Equal(2, _directory.Scalar("SELECT count(*) FROM sessions"));
    }

    [Fact]
    public void Recover_Version1Database_SalvagesItsSessionsWithoutOwnersIntoTheCurrentSchema()
    {
        SchemaVersion1.Create(_directory);

        Assert.Equal(SqliteStoreRecovery.Recovered, SqliteStoreRecovery.Run(_directory.Path, _output, _error));

        Assert.Contains("schema version 1", _output.ToString(), StringComparison.Ordinal);
        Assert.Contains("recovered everything; no row was lost", _output.ToString(), StringComparison.Ordinal);
        Assert.Equal(SqliteSchema.Version, _directory.Scalar("PRAGMA user_version"));
        using var store = _directory.OpenStore();
        var sessions = store.Load().Sessions.ToDictionary(s => s.ClientId);
        Assert.Equal(2, sessions.Count);
        Assert.All(sessions.Values, s => Assert.Null(s.Owner));
        Assert.Single(sessions[SchemaVersion1.Bed7].Deliveries);
    }

    [Fact]
    public void Recover_CurrentDatabase_KeepsEverySessionsOwner()
    {
        using (var store = _directory.OpenStore())
        {
            store.Apply(
            [
                new SaveSession(Session("bed-7", owner: "Password:dev42")),
                new SaveSession(Session("bed-8", owner: "Certificate:CN=bed-8")),
                new SaveSession(Session("unclaimed")),
                new SaveSubscription("bed-7", Subscription("mh/v1/f1/u1/dev42/cmd")),
            ]);
        }

        Assert.Equal(SqliteStoreRecovery.Recovered, SqliteStoreRecovery.Run(_directory.Path, _output, _error));

        using var recovered = _directory.OpenStore();
        var owners = recovered.Load().Sessions.ToDictionary(s => s.ClientId, s => s.Owner);
        Assert.Equal("Password:dev42", owners["bed-7"]);
        Assert.Equal("Certificate:CN=bed-8", owners["bed-8"]);
        Assert.Null(owners["unclaimed"]);
    }
}
