using System.Text;
using MqttHealth.Broker.Messages;
using MqttHealth.Broker.Storage;
using MqttHealth.Mqtt.Protocol;
using static MqttHealth.Broker.Tests.Storage.StoreTestData;

namespace MqttHealth.Broker.Tests.Storage;

/// <summary>Every operation through a real file: open, apply, dispose, reopen, load, compare.</summary>
public sealed class SqliteBrokerStoreTests : IDisposable
{
    private readonly StorageTestDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public void Open_MissingDirectory_CreatesDatabaseInWalMode()
    {
        using (var store = _directory.OpenStore())
        {
            Assert.True(store.IsDurable);
            Assert.Equal(_directory.DatabasePath, store.DatabasePath);
            Assert.Equal(StoredBrokerState.Empty.Sessions, store.Load().Sessions);
        }

        Assert.True(File.Exists(_directory.DatabasePath));
        Assert.Equal(SqliteSchema.Version, _directory.Scalar("PRAGMA user_version"));
        using var raw = _directory.OpenRaw();
        using var command = raw.CreateCommand();
        command.CommandText = "PRAGMA journal_mode";
        Assert.Equal("wal", command.ExecuteScalar());
    }

    [Fact]
    public void Dispose_AfterWrites_MergesAndRemovesWal()
    {
        using (var store = _directory.OpenStore())
        {
            store.Apply([new SaveSession(Session("a"))]);
            Assert.True(File.Exists(_directory.DatabasePath + "-wal"));
        }

        Assert.False(File.Exists(_directory.DatabasePath + "-wal"));
        Assert.Equal(1, _directory.Scalar("SELECT count(*) FROM sessions"));
    }

    [Fact]
    public void Sessions_SaveUpdateDelete_RoundTrip()
    {
        Apply(
            new SaveSession(Session("v5", expiry: uint.MaxValue, disconnectedAt: null)),
            new SaveSession(Session("v311", expiry: 0, disconnectedAt: 1_700_000_000_123, version: MqttProtocolVersion.V311)),
            new SaveSession(Session("gone")));
        Apply(
            new SaveSession(Session("v5", expiry: 60, disconnectedAt: 1_800_000_000_000)),
            new DeleteSession("gone"));

        var sessions = Reload().Sessions.ToDictionary(s => s.ClientId);

        Assert.Equal(2, sessions.Count);
        Assert.Equal((MqttProtocolVersion.V500, 60u, (long?)1_800_000_000_000), (sessions["v5"].ProtocolVersion, sessions["v5"].SessionExpiryInterval, sessions["v5"].DisconnectedAtUnixMs));
        var v311 = sessions["v311"];
        Assert.Equal(MqttProtocolVersion.V311, v311.ProtocolVersion);
        Assert.Equal(0u, v311.SessionExpiryInterval);
        Assert.Equal(1_700_000_000_123, v311.DisconnectedAtUnixMs);
        Assert.Empty(v311.Subscriptions);
        Assert.Empty(v311.Deliveries);
        Assert.Empty(v311.InboundQos2PacketIds);
    }

    [Fact]
    public void Sessions_Owner_RoundTripsAndFollowsTheLastSave()
    {
        Apply(
            new SaveSession(Session("claimed", owner: "Password:dev42")),
            new SaveSession(Session("unclaimed")),
            new SaveSession(Session("reclaimed", owner: "Password:old")));
        Apply(new SaveSession(Session("reclaimed", owner: "Certificate:bedside-7")));

        var sessions = Reload().Sessions.ToDictionary(s => s.ClientId);

        Assert.Equal("Password:dev42", sessions["claimed"].Owner);
        Assert.Null(sessions["unclaimed"].Owner);
        Assert.Equal("Certificate:bedside-7", sessions["reclaimed"].Owner);
        Assert.Equal("Password:dev42", _directory.ExecuteString("SELECT owner FROM sessions WHERE client_id = 'claimed'"));
    }

    [Fact]
    public void Subscriptions_SaveUpdateDelete_RoundTripWithAllOptions()
    {
        var full = new StoredSubscription("$share/group/sensors/+/temp", QualityOfService.AtLeastOnce, true, true, RetainHandling.DoNotSend, 268_435_455);
        Apply(
            new SaveSession(Session("c")),
            new SaveSubscription("c", full),
            new SaveSubscription("c", Subscription("a/#", QualityOfService.AtMostOnce)),
            new SaveSubscription("c", Subscription("b/+", QualityOfService.AtMostOnce)));
        Apply(
            new SaveSubscription("c", Subscription("a/#", QualityOfService.ExactlyOnce, id: 7)),
            new DeleteSubscription("c", "b/+"),
            new DeleteSubscription("c", "never/subscribed"));

        var subscriptions = Assert.Single(Reload().Sessions).Subscriptions;

        Assert.Equal([full, Subscription("a/#", QualityOfService.ExactlyOnce, id: 7)], subscriptions);
    }

    [Fact]
    public void Messages_EveryProperty_RoundTrip()
    {
        var full = new BrokerMessage(
            41,
            "gebäude/3/温度",
            new byte[] { 0, 1, 2, 255 },
            QualityOfService.ExactlyOnce,
            retain: true,
            "publisher-ü",
            expiresAtUnixMs: 1_900_000_000_000,
            PayloadFormat.Utf8,
            "application/json; charset=utf-8",
            "replies/ü",
            new byte[] { 9, 8, 7 },
            [new("k", "v1"), new("k", "v2"), new("ключ", ""), new("", "empty name")]);
        var bare = new BrokerMessage(42, "t", ReadOnlyMemory<byte>.Empty, QualityOfService.AtMostOnce, false, null);
        var empties = new BrokerMessage(43, "t", new byte[] { 1 }, QualityOfService.AtLeastOnce, false, "p", payloadFormat: PayloadFormat.Unspecified, correlationData: ReadOnlyMemory<byte>.Empty, userProperties: []);
        Apply(
            new SaveSession(Session("c")),
            new SaveDelivery("c", Delivery(1, full)),
            new SaveDelivery("c", Delivery(2, bare)),
            new SaveDelivery("c", Delivery(3, empties)));

        var loaded = Assert.Single(Reload().Sessions).Deliveries.Select(d => d.Message).ToList();

        AssertSameMessage(full, loaded[0]);
        AssertSameMessage(bare, loaded[1]);
        AssertSameMessage(empties, loaded[2]);
        Assert.Null(loaded[1].CorrelationData);
        Assert.Null(loaded[1].UserProperties);
        Assert.Null(loaded[1].PayloadFormat);
        Assert.NotNull(loaded[2].CorrelationData);
        Assert.NotNull(loaded[2].UserProperties);
    }

    [Fact]
    public void Messages_PayloadSlice_StoresOnlyTheSlice()
    {
        var buffer = Encoding.ASCII.GetBytes("xxHELLOxx");
        var message = new BrokerMessage(1, "t", buffer.AsMemory(2, 5), QualityOfService.AtLeastOnce, false, "p", correlationData: buffer.AsMemory(0, 2));
        Apply(new SaveSession(Session("c")), new SaveDelivery("c", Delivery(1, message)));

        var loaded = Assert.Single(Reload().Sessions).Deliveries[0].Message;

        Assert.Equal("HELLO", Encoding.ASCII.GetString(loaded.Payload.Span));
        Assert.Equal("xx", Encoding.ASCII.GetString(loaded.CorrelationData!.Value.Span));
    }

    [Fact]
    public void Deliveries_SaveUpdateDelete_RoundTripInSequenceOrder()
    {
        var m1 = Message(1);
        var m2 = Message(2, qos: QualityOfService.ExactlyOnce);
        var m3 = Message(3);
        Apply(
            new SaveSession(Session("c")),
            new SaveDelivery("c", Delivery(30, m3)),
            new SaveDelivery("c", Delivery(10, m1, subscriptionIds: [1, 268_435_455])),
            new SaveDelivery("c", Delivery(20, m2)));
        Apply(
            new SaveDelivery("c", Delivery(20, m2, DeliveryState.Released, packetId: 65535)),
            new SaveDelivery("c", Delivery(10, m1, DeliveryState.Sent, packetId: 1, subscriptionIds: [1, 268_435_455])),
            new DeleteDelivery("c", 30),
            new DeleteDelivery("c", 99));

        var deliveries = Assert.Single(Reload().Sessions).Deliveries;

        Assert.Equal([10L, 20L], deliveries.Select(d => d.Sequence));
        Assert.Equal(DeliveryState.Sent, deliveries[0].State);
        Assert.Equal((ushort)1, deliveries[0].PacketId);
        Assert.Equal([1u, 268_435_455u], deliveries[0].SubscriptionIdentifiers);
        Assert.Equal(QualityOfService.AtLeastOnce, deliveries[0].QoS);
        Assert.Equal(DeliveryState.Released, deliveries[1].State);
        Assert.Equal((ushort)65535, deliveries[1].PacketId);
        Assert.Empty(deliveries[1].SubscriptionIdentifiers);
        Assert.Equal(QualityOfService.ExactlyOnce, deliveries[1].QoS);
        Assert.Equal(0, _directory.Scalar("SELECT count(*) FROM messages WHERE id = 3"));
    }

    [Fact]
    public void Delivery_RetainFlagAndQoS_AreTheDeliverysNotTheMessages()
    {
        var message = Message(1, qos: QualityOfService.ExactlyOnce, retain: true);
        Apply(
            new SaveSession(Session("c")),
            new SaveDelivery("c", new StoredDelivery(1, message, QualityOfService.AtMostOnce, true, [], DeliveryState.Queued, 0)));

        var delivery = Assert.Single(Assert.Single(Reload().Sessions).Deliveries);

        Assert.Equal(QualityOfService.AtMostOnce, delivery.QoS);
        Assert.True(delivery.Retain);
        Assert.Equal(QualityOfService.ExactlyOnce, delivery.Message.QoS);
        Assert.True(delivery.Message.Retain);
    }

    [Fact]
    public void InboundQos2_SaveTwiceAndDelete_RoundTrip()
    {
        Apply(
            new SaveSession(Session("c")),
            new SaveInboundQos2("c", 7),
            new SaveInboundQos2("c", 7),
            new SaveInboundQos2("c", 65535),
            new SaveInboundQos2("c", 1));
        Apply(new DeleteInboundQos2("c", 65535), new DeleteInboundQos2("c", 2));

        Assert.Equal([(ushort)1, (ushort)7], Assert.Single(Reload().Sessions).InboundQos2PacketIds);
    }

    [Fact]
    public void Retained_SetReplaceClear_RoundTripAndOldMessagesGo()
    {
        Apply(
            new SetRetained(Message(1, "a", retain: true)),
            new SetRetained(Message(2, "b", retain: true)),
            new SetRetained(Message(3, "c", retain: true)));
        Apply(new SetRetained(Message(4, "a", retain: true)), new ClearRetained("b"), new ClearRetained("never"));

        var retained = Reload().Retained;

        Assert.Equal([("a", 4L), ("c", 3L)], retained.Select(m => (m.Topic, m.Id)));
        Assert.Equal([3L, 4L], Ids("SELECT id FROM messages ORDER BY id"));
    }

    [Fact]
    public void Retained_SetSameMessageAgain_KeepsIt()
    {
        var message = Message(1, "a", retain: true);
        Apply(new SetRetained(message));
        Apply(new SetRetained(message));

        Assert.Equal(1L, Assert.Single(Reload().Retained).Id);
    }

    [Fact]
    public void Load_MessageReferencedByManyDeliveriesAndRetained_IsStoredOnceAndShared()
    {
        var message = Message(5, "shared", retain: true);
        Apply(
            new SaveSession(Session("a")),
            new SaveSession(Session("b")),
            new CompositeOperation(
            [
                new SaveMessage(message),
                new SaveDelivery("a", Delivery(1, message)),
                new SaveDelivery("b", Delivery(1, message)),
                new SaveDelivery("b", Delivery(2, message)),
                new SetRetained(message),
            ]));

        var state = Reload();

        Assert.Equal(1, _directory.Scalar("SELECT count(*) FROM messages"));
        var all = state.Sessions.SelectMany(s => s.Deliveries).Select(d => d.Message).Append(Assert.Single(state.Retained)).ToList();
        Assert.Equal(4, all.Count);
        Assert.All(all, m => Assert.Same(all[0], m));
    }

    [Fact]
    public void SaveMessage_SameIdTwice_KeepsTheFirst()
    {
        var first = Message(1, "first");
        Apply(new SaveSession(Session("c")), new SaveMessage(first), new SaveDelivery("c", Delivery(1, first)));
        Apply(new SaveMessage(Message(1, "second")));

        Assert.Equal("first", Assert.Single(Reload().Sessions).Deliveries[0].Message.Topic);
    }

    [Fact]
    public void DeleteDelivery_LastReference_DeletesMessageButNotWhileReferenced()
    {
        var message = Message(1);
        Apply(
            new SaveSession(Session("a")),
            new SaveSession(Session("b")),
            new SaveDelivery("a", Delivery(1, message)),
            new SaveDelivery("b", Delivery(1, message)));

        Apply(new DeleteDelivery("a", 1));
        Assert.Equal(1, _directory.Scalar("SELECT count(*) FROM messages"));

        Apply(new DeleteDelivery("b", 1));
        Assert.Equal(0, _directory.Scalar("SELECT count(*) FROM messages"));
    }

    [Fact]
    public void DeleteAndSaveDelivery_SameMessageInOneBatch_KeepsMessage()
    {
        var message = Message(1);
        Apply(new SaveSession(Session("a")), new SaveSession(Session("b")), new SaveDelivery("a", Delivery(1, message)));

        Apply(new DeleteDelivery("a", 1), new SaveDelivery("b", Delivery(1, message)));

        Assert.Equal(1L, Reload().Sessions.Single(s => s.ClientId == "b").Deliveries[0].Message.Id);
    }

    [Fact]
    public void SaveDelivery_OtherMessageUnderSameSequence_ReleasesTheOldMessage()
    {
        Apply(new SaveSession(Session("c")), new SaveDelivery("c", Delivery(1, Message(1))));
        Apply(new SaveDelivery("c", Delivery(1, Message(2))));

        Assert.Equal([2L], Ids("SELECT id FROM messages"));
    }

    [Fact]
    public void ClearRetained_MessageStillQueued_KeepsMessage()
    {
        var message = Message(1, "t", retain: true);
        Apply(new SaveSession(Session("c")), new SetRetained(message), new SaveDelivery("c", Delivery(1, message)));

        Apply(new ClearRetained("t"));
        Assert.Equal(1, _directory.Scalar("SELECT count(*) FROM messages"));

        Apply(new DeleteDelivery("c", 1));
        Assert.Equal(0, _directory.Scalar("SELECT count(*) FROM messages"));
    }

    [Fact]
    public void SaveMessage_NothingRefersToIt_IsNotKeptButItsIdIs()
    {
        Apply(new SaveMessage(Message(9)));

        var state = Reload();

        Assert.Equal(0, _directory.Scalar("SELECT count(*) FROM messages"));
        Assert.Equal(9, state.MaxMessageId);
    }

    [Fact]
    public void DeleteSession_RemovesEverythingUnderItAndOnlyItsOrphanedMessages()
    {
        var own = Message(1);
        var shared = Message(2);
        var retained = Message(3, "r", retain: true);
        Apply(
            new SaveSession(Session("gone")),
            new SaveSession(Session("stays")),
            new SaveSubscription("gone", Subscription("x")),
            new SaveInboundQos2("gone", 5),
            new SaveDelivery("gone", Delivery(1, own)),
            new SaveDelivery("gone", Delivery(2, shared)),
            new SaveDelivery("gone", Delivery(3, retained)),
            new SaveDelivery("stays", Delivery(1, shared)),
            new SetRetained(retained));

        Apply(new DeleteSession("gone"));

        var session = Assert.Single(Reload().Sessions);
        Assert.Equal("stays", session.ClientId);
        Assert.Equal([2L, 3L], Ids("SELECT id FROM messages ORDER BY id"));
        Assert.Equal(0, _directory.Scalar("SELECT count(*) FROM subscriptions"));
        Assert.Equal(0, _directory.Scalar("SELECT count(*) FROM inbound_qos2"));
        Assert.Equal(1, _directory.Scalar("SELECT count(*) FROM deliveries"));
    }

    [Fact]
    public void DeleteSessionThenSaveAgain_InOneBatch_StartsClean()
    {
        Apply(new SaveSession(Session("c")), new SaveSubscription("c", Subscription("old")), new SaveDelivery("c", Delivery(1, Message(1))));

        Apply(new DeleteSession("c"), new SaveSession(Session("c", expiry: 5)), new SaveSubscription("c", Subscription("new")));

        var session = Assert.Single(Reload().Sessions);
        Assert.Equal(5u, session.SessionExpiryInterval);
        Assert.Equal("new", Assert.Single(session.Subscriptions).TopicFilter);
        Assert.Empty(session.Deliveries);
        Assert.Equal(0, _directory.Scalar("SELECT count(*) FROM messages"));
    }

    [Fact]
    public void MaxMessageId_AllMessagesDeleted_SurvivesReopen()
    {
        Apply(new SaveSession(Session("c")));
        for (var id = 1; id <= 5; id++)
        {
            Apply(new SaveDelivery("c", Delivery(id, Message(id))));
        }

        Apply([.. Enumerable.Range(1, 5).Select(id => new DeleteDelivery("c", id))]);

        Assert.Equal(0, _directory.Scalar("SELECT count(*) FROM messages"));
        Assert.Equal(5, Reload().MaxMessageId);
        Apply(new SaveSession(Session("d")));
        Assert.Equal(5, Reload().MaxMessageId);
    }

    [Fact]
    public void MaxMessageId_LowerIdSavedLater_DoesNotGoBack()
    {
        Apply(new SetRetained(Message(100, "a")));
        Apply(new SetRetained(Message(50, "b")));

        Assert.Equal(100, Reload().MaxMessageId);
    }

    [Fact]
    public void Apply_DeliveryForUnsavedSession_FailsWholeBatchAndNamesTheClient()
    {
        Apply(new SaveSession(Session("known")));
        using var store = _directory.OpenStore();

        var error = Assert.Throws<BrokerStoreException>(() => store.Apply(
        [
            new SaveSubscription("known", Subscription("a")),
            new SaveDelivery("unknown", Delivery(1, Message(1))),
        ]));

        Assert.Contains("'unknown'", error.Message, StringComparison.Ordinal);
        Assert.Contains("SaveSession", error.Message, StringComparison.Ordinal);
        store.Apply([new SaveSubscription("known", Subscription("b"))]);
        var session = Assert.Single(store.Load().Sessions);
        Assert.Equal("b", Assert.Single(session.Subscriptions).TopicFilter);
        Assert.Equal(0, store.Load().MaxMessageId);
    }

    [Fact]
    public void Apply_ManyBatchesOnOneStore_AllVisibleAfterReopen()
    {
        using (var store = _directory.OpenStore())
        {
            store.Apply([new SaveSession(Session("c"))]);
            for (var batch = 0; batch < 50; batch++)
            {
                var operations = new List<StoreOperation>();
                for (var i = 0; i < 20; i++)
                {
                    var id = (batch * 20) + i + 1;
                    var message = Message(id);
                    operations.Add(new CompositeOperation([new SaveMessage(message), new SaveDelivery("c", Delivery(id, message))]));
                }

                store.Apply(operations);
            }
        }

        var deliveries = Assert.Single(Reload().Sessions).Deliveries;

        Assert.Equal(Enumerable.Range(1, 1000).Select(i => (long)i), deliveries.Select(d => d.Sequence));
        Assert.All(deliveries, d => Assert.Equal(d.Sequence, d.Message.Id));
    }

    [Fact]
    public void Apply_EmptyBatch_DoesNothing()
    {
        using var store = _directory.OpenStore();

        store.Apply([]);

        Assert.Empty(store.Load().Sessions);
    }

    [Fact]
    public void Apply_AfterDispose_Throws()
    {
        var store = _directory.OpenStore();
        store.Dispose();

        Assert.Throws<ObjectDisposedException>(() => store.Apply([new SaveSession(Session("c"))]));
        Assert.Throws<ObjectDisposedException>(() => store.Load());
    }

    [Fact]
    public void Open_CopyOfFilesTakenWhileRunning_LoadsEveryCommittedBatch()
    {
        // What a crash (kill -9, power loss after fsync) leaves: broker.db plus a WAL holding the commits
        // not yet checkpointed. The next open must replay them.
        using var crashed = new StorageTestDirectory();
        using (var store = _directory.OpenStore())
        {
            store.Apply([new SaveSession(Session("c"))]);
            store.Apply([new SaveDelivery("c", Delivery(1, Message(1)))]);
            store.Apply([new SetRetained(Message(2, "r"))]);
            Directory.CreateDirectory(crashed.Path);
            File.Copy(_directory.DatabasePath, crashed.DatabasePath);
            File.Copy(_directory.DatabasePath + "-wal", crashed.DatabasePath + "-wal");
        }

        using var reopened = crashed.OpenStore();
        var state = reopened.Load();

        Assert.Equal(1L, Assert.Single(Assert.Single(state.Sessions).Deliveries).Message.Id);
        Assert.Equal(2L, Assert.Single(state.Retained).Id);
        Assert.Equal(2, state.MaxMessageId);
    }

    private static void AssertSameMessage(BrokerMessage expected, BrokerMessage actual)
    {
        Assert.Equal(expected.Id, actual.Id);
        Assert.Equal(expected.Topic, actual.Topic);
        Assert.Equal(expected.Payload.ToArray(), actual.Payload.ToArray());
        Assert.Equal(expected.QoS, actual.QoS);
        Assert.Equal(expected.Retain, actual.Retain);
        Assert.Equal(expected.PublisherClientId, actual.PublisherClientId);
        Assert.Equal(expected.ExpiresAtUnixMs, actual.ExpiresAtUnixMs);
        Assert.Equal(expected.PayloadFormat, actual.PayloadFormat);
        Assert.Equal(expected.ContentType, actual.ContentType);
        Assert.Equal(expected.ResponseTopic, actual.ResponseTopic);
        Assert.Equal(expected.CorrelationData?.ToArray(), actual.CorrelationData?.ToArray());
        Assert.Equal(expected.UserProperties, actual.UserProperties);
    }

    private void Apply(params StoreOperation[] operations)
    {
        using var store = _directory.OpenStore();
        store.Apply(operations);
    }

    private StoredBrokerState Reload()
    {
        using var store = _directory.OpenStore();
        return store.Load();
    }

    private List<long> Ids(string sql)
    {
        using var connection = _directory.OpenRaw();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        using var reader = command.ExecuteReader();
        var ids = new List<long>();
        while (reader.Read())
        {
            ids.Add(reader.GetInt64(0));
        }

        return ids;
    }
}
