using MqttHealth.Broker.Storage;
using static MqttHealth.Broker.Tests.Storage.StoreTestData;

namespace MqttHealth.Broker.Tests.Storage;

/// <summary>The recover command on real damaged files: what it salvages, what it keeps, what it says.</summary>
public sealed class SqliteStoreRecoveryTests : IDisposable
{
    private const int Messages = 600;

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
    public void Recover_DamagedMessagePage_SalvagesTheRestAndTheStoreOpensIt()
    {
        DatabaseFiles.Populate(_directory, Messages);
        DatabaseFiles.OverwritePage(_directory.DatabasePath, DatabaseFiles.FindPage(_directory.DatabasePath, "message-00300"));
        var damaged = File.ReadAllBytes(_directory.DatabasePath);
        Assert.Throws<BrokerStoreException>(_directory.OpenStore);

        var exitCode = Run();

        Assert.Equal(SqliteStoreRecovery.Recovered, exitCode);
        var report = _output.ToString();
        Assert.Contains("DATA WAS LOST", report, StringComparison.Ordinal);
        Assert.Contains("DATA WAS LOST", _error.ToString(), StringComparison.Ordinal);
        Assert.Matches(@"messages\s+\d+\s+0\s+rowids \d+-\d+; rows in them are lost", report);
        Assert.Equal(damaged, File.ReadAllBytes(KeptCopy()));
        Assert.Contains(KeptCopy(), report, StringComparison.Ordinal);

        using var store = _directory.OpenStore();
        var state = store.Load();
        var a = state.Sessions.Single(s => s.ClientId == "a");
        var b = state.Sessions.Single(s => s.ClientId == "b");
        var lost = Messages - a.Deliveries.Count;
        Assert.InRange(lost, 1, 40); // one 4 KiB page holds about 15 of these messages
        Assert.DoesNotContain(a.Deliveries, d => d.Message.Id == 300);
        Assert.Equal(1L, a.Deliveries[0].Message.Id);
        Assert.Equal(Messages, a.Deliveries[^1].Message.Id);
        Assert.Equal(a.Deliveries.Count(d => d.Message.Id % 2 == 0), b.Deliveries.Count);
        Assert.Equal([3u], b.Deliveries[0].SubscriptionIdentifiers);
        Assert.Same(a.Deliveries[^1].Message, b.Deliveries[^1].Message);
        Assert.Equal("sensors/#", Assert.Single(a.Subscriptions).TopicFilter);
        Assert.Equal([(ushort)17], a.InboundQos2PacketIds);
        Assert.Equal(uint.MaxValue, b.SessionExpiryInterval);
        Assert.Equal(DatabaseFiles.OwnerOfA, a.Owner);
        Assert.Null(b.Owner);
        Assert.Equal(DatabaseFiles.RetainedCount, state.Retained.Count);
        Assert.Equal(Messages + DatabaseFiles.RetainedCount, state.MaxMessageId);
        var dropped = Messages + (Messages / 2) - a.Deliveries.Count - b.Deliveries.Count;
        Assert.Contains($"{dropped} queued/in-flight deliveries dropped", report, StringComparison.Ordinal);
    }

    [Fact]
    public void Recover_SeveralDamagedPages_StepsOverEachOfThem()
    {
        DatabaseFiles.Populate(_directory, Messages);
        foreach (var marker in new[] { "message-00100", "message-00300", "message-00500" })
        {
            DatabaseFiles.OverwritePage(_directory.DatabasePath, DatabaseFiles.FindPage(_directory.DatabasePath, marker));
        }

        Assert.Equal(SqliteStoreRecovery.Recovered, Run());

        using var store = _directory.OpenStore();
        var ids = store.Load().Sessions.Single(s => s.ClientId == "a").Deliveries.Select(d => d.Message.Id).ToHashSet();
        Assert.InRange(Messages - ids.Count, 3, 120);
        Assert.DoesNotContain(100L, ids);
        Assert.DoesNotContain(500L, ids);
        Assert.Contains(200L, ids);
        Assert.Contains(400L, ids);
        Assert.Contains((long)Messages, ids);
    }

    [Fact]
    public void Recover_DamagedIndexPage_LosesNothing()
    {
        // deliveries_by_message and the unique indexes are rebuilt from the table rows; a damaged index page
        // stops the broker (quick_check) but costs no data.
        DatabaseFiles.Populate(_directory, Messages);
        var indexPage = FindIndexPage();
        DatabaseFiles.OverwritePage(_directory.DatabasePath, indexPage);
        Assert.Throws<BrokerStoreException>(_directory.OpenStore);

        Assert.Equal(SqliteStoreRecovery.Recovered, Run());

        Assert.Contains("recovered everything; no row was lost", _output.ToString(), StringComparison.Ordinal);
        using var store = _directory.OpenStore();
        Assert.Equal(Messages, store.Load().Sessions.Single(s => s.ClientId == "a").Deliveries.Count);
    }

    [Fact]
    public void Recover_TruncatedDatabase_SalvagesTheFirstPart()
    {
        DatabaseFiles.Populate(_directory, Messages);
        using (var file = new FileStream(_directory.DatabasePath, FileMode.Open, FileAccess.Write))
        {
            file.SetLength(file.Length / 2);
        }

        Assert.Equal(SqliteStoreRecovery.Recovered, Run());

        Assert.Contains("DATA WAS LOST", _output.ToString(), StringComparison.Ordinal);
        Assert.Matches(@"messages\s+\d+\s+\d+\s+rowid \d+ to the end", _output.ToString());
        using var store = _directory.OpenStore();
        var state = store.Load();
        var a = state.Sessions.Single(s => s.ClientId == "a");
        Assert.InRange(a.Deliveries.Count, 1, Messages - 1);
        Assert.Equal(1L, a.Deliveries[0].Message.Id);
    }

    [Fact]
    public void Recover_HealthyDatabase_RecoversEverythingAndSaysSo()
    {
        DatabaseFiles.Populate(_directory, 50);
        using (var before = _directory.OpenStore())
        {
            before.Apply([new DeleteDelivery("a", 1), new DeleteDelivery("a", 3)]); // message 1 and 3 go; max id stays
        }

        Assert.Equal(SqliteStoreRecovery.Recovered, Run());

        Assert.Contains("recovered everything; no row was lost", _output.ToString(), StringComparison.Ordinal);
        Assert.Equal(string.Empty, _error.ToString());
        using var store = _directory.OpenStore();
        var state = store.Load();
        Assert.Equal(48, state.Sessions.Single(s => s.ClientId == "a").Deliveries.Count);
        Assert.Equal(25, state.Sessions.Single(s => s.ClientId == "b").Deliveries.Count);
        Assert.Equal(55, state.MaxMessageId);
        Assert.Equal(DatabaseFiles.OwnerOfA, state.Sessions.Single(s => s.ClientId == "a").Owner);
    }

    [Fact]
    public void Recover_UncheckpointedWal_KeepsTheCommitsInIt()
    {
        // A broker killed mid-run leaves commits in broker.db-wal only. The recover command reads them and
        // keeps the WAL beside the copy of the original.
        using var live = new StorageTestDirectory();
        using (var store = live.OpenStore())
        {
            store.Apply([new SaveSession(Session("c"))]);
            store.Apply([new SaveDelivery("c", Delivery(1, Message(1)))]);
            Directory.CreateDirectory(_directory.Path);
            File.Copy(live.DatabasePath, _directory.DatabasePath);
            File.Copy(live.DatabasePath + "-wal", _directory.DatabasePath + "-wal");
        }

        var wal = File.ReadAllBytes(_directory.DatabasePath + "-wal");

        Assert.Equal(SqliteStoreRecovery.Recovered, Run());

        Assert.Equal(wal, File.ReadAllBytes(KeptCopy() + "-wal"));
        Assert.False(File.Exists(_directory.DatabasePath + "-wal"));
        using var reopened = _directory.OpenStore();
        Assert.Equal(1L, Assert.Single(Assert.Single(reopened.Load().Sessions).Deliveries).Message.Id);
    }

    [Fact]
    public void Recover_SessionRowLost_RebuildsTheSessionAndSaysSo()
    {
        DatabaseFiles.Populate(_directory, 10);
        _directory.Execute("DELETE FROM sessions WHERE client_id = 'b'");

        Assert.Equal(SqliteStoreRecovery.Recovered, Run());

        Assert.Contains("1 sessions rebuilt", _output.ToString(), StringComparison.Ordinal);
        Assert.Contains(": b", _output.ToString(), StringComparison.Ordinal);
        using var store = _directory.OpenStore();
        var b = store.Load().Sessions.Single(s => s.ClientId == "b");
        Assert.Equal(5, b.Deliveries.Count);
        Assert.Equal(uint.MaxValue, b.SessionExpiryInterval);
    }

    [Fact]
    public void Recover_MalformedRows_SkipsThemOneByOne()
    {
        DatabaseFiles.Populate(_directory, 10);
        _directory.Execute("UPDATE deliveries SET state = 9 WHERE client_id = 'a' AND sequence IN (2, 4)");
        _directory.Execute("UPDATE messages SET qos = 'x' WHERE id = 5");

        Assert.Equal(SqliteStoreRecovery.Recovered, Run());

        var report = _output.ToString();
        Assert.Matches(@"deliveries\s+\d+\s+2\s+-", report);
        Assert.Matches(@"messages\s+\d+\s+1\s+-", report);
        Assert.Contains("deliveries.state holds 9", report, StringComparison.Ordinal);
        using var store = _directory.OpenStore();
        var a = store.Load().Sessions.Single(s => s.ClientId == "a");
        Assert.Equal([1L, 3L, 6L, 7L, 8L, 9L, 10L], a.Deliveries.Select(d => d.Sequence));
    }

    [Fact]
    public void Recover_Garbage_WritesAnEmptyDatabaseAndSaysNothingWasSalvaged()
    {
        DatabaseFiles.WriteGarbage(_directory.DatabasePath, 20000);
        var garbage = File.ReadAllBytes(_directory.DatabasePath);

        Assert.Equal(SqliteStoreRecovery.Recovered, Run());

        Assert.Contains("NOTHING could be salvaged", _output.ToString(), StringComparison.Ordinal);
        Assert.Contains("NOTHING could be salvaged", _error.ToString(), StringComparison.Ordinal);
        Assert.Equal(garbage, File.ReadAllBytes(KeptCopy()));
        using var store = _directory.OpenStore();
        Assert.Empty(store.Load().Sessions);
    }

    [Fact]
    public void Recover_NoDatabase_FailsAndCreatesNothing()
    {
        Directory.CreateDirectory(_directory.Path);

        Assert.Equal(SqliteStoreRecovery.Failed, Run());

        Assert.Contains("there is no database", _error.ToString(), StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(_directory.Path));
    }

    [Fact]
    public void Recover_NoDataDirectory_Fails()
    {
        Assert.Equal(SqliteStoreRecovery.Failed, Run());

        Assert.Contains("does not exist", _error.ToString(), StringComparison.Ordinal);
        Assert.False(Directory.Exists(_directory.Path));
    }

    [Fact]
    public void Recover_DirectoryInPlaceOfTheFile_Fails()
    {
        Directory.CreateDirectory(_directory.DatabasePath);

        Assert.Equal(SqliteStoreRecovery.Failed, Run());

        Assert.Contains("is a directory", _error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Recover_NewerSchema_RefusesAndChangesNothing()
    {
        DatabaseFiles.Populate(_directory, 3);
        _directory.Execute("PRAGMA user_version = 9");
        var before = File.ReadAllBytes(_directory.DatabasePath);

        Assert.Equal(SqliteStoreRecovery.Failed, Run());

        Assert.Contains("schema version 9", _error.ToString(), StringComparison.Ordinal);
        Assert.Equal(before, File.ReadAllBytes(_directory.DatabasePath));
        Assert.Equal(["broker.db", "broker.lock"], Directory.GetFiles(_directory.Path).Select(Path.GetFileName).Order());
    }

    [Fact]
    public void Recover_WhileTheStoreIsOpen_RefusesAndChangesNothing()
    {
        using var store = _directory.OpenStore();
        store.Apply([new SaveSession(Session("c"))]);

        Assert.Equal(SqliteStoreRecovery.Failed, Run());

        Assert.Contains("a broker (or another recover) is running", _error.ToString(), StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(_directory.Path, "*.corrupt-*"));
        Assert.Single(store.Load().Sessions);
    }

    [Fact]
    public void Recover_NewDatabaseCannotBeWritten_FailsLeavingOriginalAndNoCopy()
    {
        DatabaseFiles.Populate(_directory, 3);
        var before = File.ReadAllBytes(_directory.DatabasePath);
        Directory.CreateDirectory(_directory.DatabasePath + ".recovering"); // where the new database would go

        Assert.Equal(SqliteStoreRecovery.Failed, Run());

        Assert.Contains("was not changed", _error.ToString(), StringComparison.Ordinal);
        Assert.Equal(before, File.ReadAllBytes(_directory.DatabasePath));
        Assert.Empty(Directory.GetFiles(_directory.Path, "*.corrupt-*"));
    }

    [Fact]
    public void Recover_Twice_KeepsBothOriginals()
    {
        DatabaseFiles.Populate(_directory, 3);

        Assert.Equal(SqliteStoreRecovery.Recovered, Run());
        Assert.Equal(SqliteStoreRecovery.Recovered, Run());

        Assert.Equal(2, Directory.GetFiles(_directory.Path, "broker.db.corrupt-*").Length);
    }

    private int Run() => SqliteStoreRecovery.Run(_directory.Path, _output, _error);

    private string KeptCopy() => Assert.Single(Directory.GetFiles(_directory.Path, "broker.db.corrupt-*"), f => !f.EndsWith("-wal", StringComparison.Ordinal) && !f.EndsWith("-shm", StringComparison.Ordinal));

    /// <summary>A leaf page of deliveries_by_message: an index page (type 0x0A) that the table scan never reads.</summary>
    private int FindIndexPage()
    {
        var root = (int)_directory.Scalar("SELECT rootpage FROM sqlite_master WHERE name = 'deliveries_by_message'");
        var bytes = File.ReadAllBytes(_directory.DatabasePath);
        var pageSize = DatabaseFiles.PageSize(_directory.DatabasePath);

        // The root of an index this size is an interior page (0x02); its right-most child pointer (offset 8)
        // leads to a leaf.
        var rootOffset = (root - 1) * pageSize;
        Assert.Equal(0x02, bytes[rootOffset]);
        var child = System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(rootOffset + 8));
        Assert.Equal(0x0A, bytes[(child - 1) * pageSize]);
        return child - 1;
    }
}
