using System.Security.Cryptography;
using Microsoft.Data.Sqlite;
using MqttHealth.Broker.Audit;

namespace MqttHealth.Broker.Tests.Audit;

/// <summary>Every kind of tampering with audit.db or audit.head is caught, and the first bad record is named.</summary>
public sealed class AuditTamperTests : IAsyncLifetime, IDisposable
{
    private readonly AuditTestLog _log = new();

    // 12 records, checkpoints at 5 and 10 (interval) and 12 (dispose).
    public Task InitializeAsync() => _log.WriteAsync(12, interval: 5);

    public Task DisposeAsync() => Task.CompletedTask;

    public void Dispose() => _log.Dispose();

    [Fact]
    public void Verify_Untouched_IsValid()
    {
        var result = _log.Verify();

        Assert.True(result.IsValid, result.Problem);
        Assert.Equal(12, result.RecordCount);
        Assert.Equal(3, result.CheckpointCount);
    }

    [Fact]
    public void Verify_FieldEdited_NamesEditedRecord()
    {
        _log.EditClientId(4, "client-999");

        var result = _log.Verify();

        Assert.False(result.IsValid);
        Assert.Equal(4, result.FirstBadSequence);
        Assert.Contains("modified", result.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_RecordDeleted_NamesDeletedRecord()
    {
        _log.Tamper("DELETE FROM records WHERE seq = 4");

        var result = _log.Verify();

        Assert.False(result.IsValid);
        Assert.Equal(4, result.FirstBadSequence);
        Assert.Contains("missing", result.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_ForgedRecordInserted_NamesForgedPosition()
    {
        // The forger shifts records 4.. up by one and inserts a well-formed record at 4 with a correct leaf hash.
        var forged = AuditRecordEncoding.Encode(AuditTestLog.Record(4) with { ClientId = "intruder", Detail = "nothing to see" });
        var root = _log.ReadBlob("SELECT root FROM records WHERE seq = 4");
        _log.Tamper(
            "UPDATE records SET seq = seq + 1000000 WHERE seq >= 4; UPDATE records SET seq = seq - 999999 WHERE seq >= 1000000; " +
            "INSERT INTO records (seq, time_unix_ms, record, leaf, root) VALUES (4, $t, $r, $l, $root)",
            c =>
            {
                c.Parameters.AddWithValue("$t", AuditTestLog.Record(4).Time.ToUnixTimeMilliseconds());
                c.Parameters.AddWithValue("$r", forged);
                c.Parameters.AddWithValue("$l", MerkleFrontier.LeafHash(forged));
                c.Parameters.AddWithValue("$root", root);
            });

        var result = _log.Verify();

        Assert.False(result.IsValid);
        Assert.Equal(4, result.FirstBadSequence);
    }

    [Fact]
    public void Verify_TwoRecordsSwapped_NamesFirstOfThem()
    {
        _log.Tamper("UPDATE records SET seq = -1 WHERE seq = 4; UPDATE records SET seq = 4 WHERE seq = 5; UPDATE records SET seq = 5 WHERE seq = -1");

        var result = _log.Verify();

        Assert.False(result.IsValid);
        Assert.Equal(4, result.FirstBadSequence);
        Assert.Contains("moved", result.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_TailTruncated_NamesFirstMissingRecord()
    {
        _log.Tamper("DELETE FROM records WHERE seq >= 9");

        var result = _log.Verify();

        Assert.False(result.IsValid);
        Assert.Equal(9, result.FirstBadSequence);
        Assert.Equal(10, result.BadCheckpointTreeSize);
        Assert.Contains("truncated", result.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_TailAndCheckpointsTruncated_HeadFileNamesFirstMissingRecord()
    {
        _log.Tamper("DELETE FROM records WHERE seq >= 9; DELETE FROM checkpoints WHERE tree_size >= 9; UPDATE state SET tree_size = 8");

        var result = _log.Verify();

        Assert.False(result.IsValid);
        Assert.Equal(9, result.FirstBadSequence);
        Assert.Equal(12, result.BadCheckpointTreeSize);
        Assert.Contains(AuditFiles.Head, result.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_HeadFileDeletedToo_StillReportsMissingHead()
    {
        _log.Tamper("DELETE FROM records WHERE seq >= 9; DELETE FROM checkpoints WHERE tree_size >= 9");
        File.Delete(Path.Combine(_log.Directory, AuditFiles.Head));

        var result = _log.Verify();

        Assert.False(result.IsValid);
        Assert.Contains("missing", result.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_CheckpointSignatureCorrupted_NamesCheckpoint()
    {
        var signature = _log.ReadBlob("SELECT signature FROM checkpoints WHERE tree_size = 5");
        signature[^3] ^= 0x40;
        _log.Tamper("UPDATE checkpoints SET signature = $s WHERE tree_size = 5", c => c.Parameters.AddWithValue("$s", signature));

        var result = _log.Verify();

        Assert.False(result.IsValid);
        Assert.Null(result.FirstBadSequence);
        Assert.Equal(5, result.BadCheckpointTreeSize);
        Assert.Contains("signature", result.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_RecordEditedAndHashesRewritten_CheckpointNamesRangeSinceLastGoodCheckpoint()
    {
        // An attacker who knows the scheme recomputes leaf and chain for every row after the edit; only the signed root catches it.
        _log.EditClientId(7, "client-999");
        var frontier = new MerkleFrontier();
        for (var seq = 1; seq <= 12; seq++)
        {
            var leaf = MerkleFrontier.LeafHash(_log.ReadBlob($"SELECT record FROM records WHERE seq = {seq}"));
            frontier.Append(leaf);
            var root = frontier.Root();
            _log.Tamper($"UPDATE records SET leaf = $l, root = $r WHERE seq = {seq}", c =>
            {
                c.Parameters.AddWithValue("$l", leaf);
                c.Parameters.AddWithValue("$r", root);
            });
        }

        var result = _log.Verify();

        Assert.False(result.IsValid);
        Assert.Equal(6, result.FirstBadSequence);
        Assert.Equal(10, result.BadCheckpointTreeSize);
    }

    [Fact]
    public void Verify_OtherPublicKey_RejectsCheckpoints()
    {
        using var other = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var path = Path.Combine(_log.Directory, "someone-else.pub.pem");
        File.WriteAllText(path, other.ExportSubjectPublicKeyInfoPem());

        var result = AuditVerifier.Verify(_log.Directory, path);

        Assert.False(result.IsValid);
        Assert.Equal(5, result.BadCheckpointTreeSize);
    }

    [Fact]
    public void Verify_AppendOnlyTriggers_RefuseUpdateAndDelete()
    {
        using var connection = new SqliteConnection($"Data Source={_log.DatabasePath};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "DELETE FROM records WHERE seq = 1";

        Assert.Throws<SqliteException>(() => command.ExecuteNonQuery());
        command.CommandText = "UPDATE checkpoints SET time_unix_ms = 0";
        Assert.Throws<SqliteException>(() => command.ExecuteNonQuery());
    }
}
