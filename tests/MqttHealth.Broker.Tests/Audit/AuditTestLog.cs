using System.Text;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;
using MqttHealth.Broker.Audit;

namespace MqttHealth.Broker.Tests.Audit;

/// <summary>A data directory with an audit log of numbered records, and raw SQLite access to tamper with it.</summary>
public sealed class AuditTestLog : IDisposable
{
    public static readonly DateTimeOffset Start = new(2026, 11, 1, 8, 0, 0, TimeSpan.Zero);

    public AuditTestLog()
    {
        Directory = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "mqtthealth-audit-" + Guid.NewGuid().ToString("N"));
    }

    public string Directory { get; }

    public string DatabasePath => System.IO.Path.Combine(Directory, AuditFiles.Database);

    /// <summary>Record <paramref name="n"/>: client id <c>client-NNN</c> (fixed width, so a test can overwrite it in place).</summary>
    public static AuditRecord Record(int n, DateTimeOffset? time = null) => new(
        time ?? Start.AddSeconds(n),
        n % 2 == 0 ? AuditEventKind.Connect : AuditEventKind.SubscribeDenied,
        Principal: "nurse-station-3",
        ClientId: $"client-{n:D3}",
        RemoteAddress: "127.0.0.1:50000",
        Topic: n % 2 == 0 ? null : "ward/7/+/vitals",
        Detail: n % 2 == 0 ? "clean start" : "no grant for filter");

    public AuditLog Open(AuditOptions? options = null) =>
        AuditLog.Open(Directory, options ?? new AuditOptions(), NullLogger<AuditLog>.Instance);

    /// <summary>Writes records 1..<paramref name="count"/> with a checkpoint every <paramref name="interval"/> records and one at dispose.</summary>
    public async Task WriteAsync(int count, int interval = 5, Func<int, DateTimeOffset>? time = null)
    {
        await using var log = Open(new AuditOptions { CheckpointInterval = interval });
        for (var n = 1; n <= count; n++)
        {
            await log.AppendAsync(Record(n, time?.Invoke(n)));
        }
    }

    public AuditVerification Verify() => AuditVerifier.Verify(Directory);

    /// <summary>Runs <paramref name="sql"/> on audit.db with the append-only triggers dropped, as an attacker with file access could.</summary>
    public void Tamper(string sql, Action<SqliteCommand>? parameters = null)
    {
        using var connection = Connect();
        using var command = connection.CreateCommand();
        command.CommandText =
            "DROP TRIGGER IF EXISTS records_no_update; DROP TRIGGER IF EXISTS records_no_delete; " +
            "DROP TRIGGER IF EXISTS checkpoints_no_update; DROP TRIGGER IF EXISTS checkpoints_no_delete; " + sql;
        parameters?.Invoke(command);
        command.ExecuteNonQuery();
    }

    public byte[] ReadBlob(string sql)
    {
        using var connection = Connect();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return (byte[])command.ExecuteScalar()!;
    }

    /// <summary>Rewrites record <paramref name="seq"/>'s client id in place (same length), leaving its hashes as they were.</summary>
    public void EditClientId(int seq, string replacement)
    {
        var bytes = ReadBlob($"SELECT record FROM records WHERE seq = {seq}");
        var original = Encoding.UTF8.GetBytes($"client-{seq:D3}");
        var at = bytes.AsSpan().IndexOf(original);
        Assert.True(at >= 0);
        Encoding.UTF8.GetBytes(replacement).CopyTo(bytes, at);
        Tamper($"UPDATE records SET record = $r WHERE seq = {seq}", c => c.Parameters.AddWithValue("$r", bytes));
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a file still open on a failing test must not hide the test's own failure.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private SqliteConnection Connect()
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = DatabasePath, Pooling = false }.ToString());
        connection.Open();
        return connection;
    }
}
