using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;
using MqttHealth.Broker.Storage;

namespace MqttHealth.Broker.Tests.Storage;

/// <summary>A fresh data directory under the system temp directory, deleted on dispose.</summary>
public sealed class StorageTestDirectory : IDisposable
{
    public StorageTestDirectory()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "mqtthealth-storage-" + Guid.NewGuid().ToString("N"));
    }

    /// <summary>The data directory; not created until a store (or the test) creates it.</summary>
    public string Path { get; }

    public string DatabasePath => System.IO.Path.Combine(Path, "broker.db");

    public SqliteBrokerStore OpenStore() => new(Path, NullLogger<SqliteBrokerStore>.Instance);

    /// <summary>A plain connection to broker.db, for looking at or tampering with the file behind the store's back.</summary>
    public SqliteConnection OpenRaw()
    {
        SQLitePCL.Batteries.Init();
        // Foreign keys off (the bundled SQLite turns them on by default): tests break the rules on purpose.
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = DatabasePath, Pooling = false, ForeignKeys = false }.ToString());
        connection.Open();
        return connection;
    }

    public long Scalar(string sql)
    {
        using var connection = OpenRaw();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }

    public string? ExecuteString(string sql)
    {
        using var connection = OpenRaw();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar() as string;
    }

    public void Execute(string sql)
    {
        using var connection = OpenRaw();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    public void Dispose()
    {
        if (Directory.Exists(Path))
        {
            Directory.Delete(Path, recursive: true);
        }
    }
}
