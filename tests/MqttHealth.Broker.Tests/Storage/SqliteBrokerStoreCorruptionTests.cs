using MqttHealth.Broker.Storage;
using static MqttHealth.Broker.Tests.Storage.StoreTestData;

namespace MqttHealth.Broker.Tests.Storage;

/// <summary>
/// A database the store cannot vouch for stops the broker with a message that names the file, says why
/// the broker will not start, and names the recover command. Each damage is made for real on disk.
/// </summary>
public sealed class SqliteBrokerStoreCorruptionTests : IDisposable
{
    private readonly StorageTestDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public void Open_GarbageBytes_ThrowsNotADatabase()
    {
        DatabaseFiles.WriteGarbage(_directory.DatabasePath, 16384);

        AssertRefused("not a SQLite database");
    }

    [Fact]
    public void Open_RealDatabaseTruncatedInTheMiddle_Throws()
    {
        DatabaseFiles.Populate(_directory, 300);
        var length = new FileInfo(_directory.DatabasePath).Length;

        using (var file = new FileStream(_directory.DatabasePath, FileMode.Open, FileAccess.Write))
        {
            file.SetLength((length / 2) + 1000); // not on a page boundary
        }

        AssertRefused("cannot be used");
    }

    [Fact]
    public void Open_MessagePageOverwritten_QuickCheckRefusesIt()
    {
        DatabaseFiles.Populate(_directory, 300);
        var page = DatabaseFiles.FindPage(_directory.DatabasePath, "message-00150");

        DatabaseFiles.OverwritePage(_directory.DatabasePath, page);

        AssertRefused("cannot be used");
    }

    [Fact]
    public void Open_FirstPageOverwritten_Throws()
    {
        DatabaseFiles.Populate(_directory, 10);

        DatabaseFiles.OverwritePage(_directory.DatabasePath, 0);

        AssertRefused("not a SQLite database");
    }

    [Fact]
    public void Open_ForeignSqliteDatabase_ThrowsNotABrokerDatabase()
    {
        Directory.CreateDirectory(_directory.Path);
        _directory.Execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY, total REAL)");

        AssertRefused("not a broker database");
        Assert.Equal(0, _directory.Scalar("SELECT count(*) FROM sqlite_master WHERE name = 'sessions'"));
    }

    [Fact]
    public void Open_TableMissing_ThrowsNamingIt()
    {
        DatabaseFiles.Populate(_directory, 1);
        _directory.Execute("DROP TABLE retained");

        AssertRefused("lacks the tables retained");
    }

    [Fact]
    public void Open_NewerSchemaVersion_ThrowsAskingForTheNewerBroker()
    {
        DatabaseFiles.Populate(_directory, 1);
        _directory.Execute($"PRAGMA user_version = {SqliteSchema.Version + 1}");

        var error = Assert.Throws<BrokerStoreException>(_directory.OpenStore);

        Assert.Contains(_directory.DatabasePath, error.Message, StringComparison.Ordinal);
        Assert.Contains($"schema version {SqliteSchema.Version + 1}", error.Message, StringComparison.Ordinal);
        Assert.Contains($"reads only version {SqliteSchema.Version}", error.Message, StringComparison.Ordinal);
        Assert.Contains("newer mqtthealth-broker", error.Message, StringComparison.Ordinal);
        Assert.Contains("refuses to start", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_DirectoryInPlaceOfTheFile_Throws()
    {
        Directory.CreateDirectory(_directory.DatabasePath);

        AssertRefused("a directory is in its place");
    }

    [Fact]
    public void Open_DataDirectoryIsAFile_Throws()
    {
        File.WriteAllText(_directory.Path, "not a directory");
        try
        {
            var error = Assert.Throws<BrokerStoreException>(_directory.OpenStore);

            Assert.Contains($"its data directory {_directory.Path} cannot be created", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(_directory.Path);
        }
    }

    [Fact]
    public void Open_DanglingSymlinkInPlaceOfTheFile_Throws()
    {
        Directory.CreateDirectory(_directory.Path);
        File.CreateSymbolicLink(_directory.DatabasePath, Path.Combine(_directory.Path, "missing-directory", "broker.db"));

        AssertRefused("SQLite cannot open the file");
    }

    [NotRootFact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void Open_FileWithoutPermissions_Throws()
    {
        DatabaseFiles.Populate(_directory, 1);
        File.SetUnixFileMode(_directory.DatabasePath, UnixFileMode.None);
        try
        {
            AssertRefused("cannot be used");
        }
        finally
        {
            File.SetUnixFileMode(_directory.DatabasePath, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
    }

    [NotRootFact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void Open_ReadOnlyFile_Throws()
    {
        DatabaseFiles.Populate(_directory, 1);
        File.SetUnixFileMode(_directory.DatabasePath, UnixFileMode.UserRead);
        try
        {
            AssertRefused("may read but not write it");
        }
        finally
        {
            File.SetUnixFileMode(_directory.DatabasePath, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
    }

    [Fact]
    public void Load_DeliveryOfSessionWithoutRow_ThrowsInconsistent()
    {
        DatabaseFiles.Populate(_directory, 3);
        _directory.Execute("DELETE FROM sessions WHERE client_id = 'b'"); // foreign keys are off on this raw connection

        using var store = _directory.OpenStore();
        var error = Assert.Throws<BrokerStoreException>(store.Load);

        Assert.Contains("client 'b', which has no session row", error.Message, StringComparison.Ordinal);
        Assert.Contains("mqtthealth-broker recover --data", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_MalformedValue_ThrowsNamingTheColumn()
    {
        DatabaseFiles.Populate(_directory, 3);
        _directory.Execute("UPDATE deliveries SET qos = 7 WHERE sequence = 2");

        using var store = _directory.OpenStore();
        var error = Assert.Throws<BrokerStoreException>(store.Load);

        Assert.Contains("deliveries.qos holds 7", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_SecondStoreOnSameDirectory_ThrowsInUse()
    {
        using var first = _directory.OpenStore();

        var error = Assert.Throws<BrokerStoreException>(_directory.OpenStore);

        Assert.Contains("in use by another process", error.Message, StringComparison.Ordinal);
        first.Apply([new SaveSession(Session("still-works"))]);
    }

    [Fact]
    public void Open_AfterRefusal_FileIsUnchanged()
    {
        DatabaseFiles.Populate(_directory, 300);
        DatabaseFiles.OverwritePage(_directory.DatabasePath, DatabaseFiles.FindPage(_directory.DatabasePath, "message-00150"));
        var before = File.ReadAllBytes(_directory.DatabasePath);

        Assert.Throws<BrokerStoreException>(_directory.OpenStore);

        Assert.Equal(before, File.ReadAllBytes(_directory.DatabasePath));
        Assert.False(File.Exists(_directory.DatabasePath + "-wal"));
    }

    private void AssertRefused(string reason)
    {
        var error = Assert.Throws<BrokerStoreException>(_directory.OpenStore);

        Assert.Contains($"The broker database {_directory.DatabasePath} cannot be used", error.Message, StringComparison.Ordinal);
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
        Assert.Contains("refuses to start", error.Message, StringComparison.Ordinal);
        Assert.Contains($"mqtthealth-broker recover --data {_directory.Path}", error.Message, StringComparison.Ordinal);
    }
}
