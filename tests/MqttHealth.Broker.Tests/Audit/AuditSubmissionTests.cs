using Microsoft.Data.Sqlite;
using MqttHealth.Broker.Audit;

namespace MqttHealth.Broker.Tests.Audit;

/// <summary>Records from another process (the users and breakglass commands): directly when nobody writes the trail, through the writer's inbox when the broker does.</summary>
public sealed class AuditSubmissionTests : IDisposable
{
    private readonly AuditTestLog _log = new();

    public void Dispose() => _log.Dispose();

    [Fact]
    public async Task Submit_NoWriterRunning_AppendsDirectlyAndTheTrailVerifies()
    {
        await _log.WriteAsync(3);

        await using (var submission = AuditSubmission.Open(_log.Directory, new AuditOptions()))
        {
            Assert.False(submission.ThroughBroker);
            Assert.True(await submission.SubmitAsync([AuditTestLog.Record(4)], TimeSpan.FromSeconds(10)));
        }

        AuditVerification verification = AuditVerifier.Verify(_log.Directory);
        Assert.True(verification.IsValid, verification.ToString());
        Assert.Equal(4, verification.RecordCount);
    }

    [Fact]
    public async Task Submit_WhileTheBrokerWrites_GoesThroughTheInbox_IntoTheChainOnce()
    {
        await using var writer = _log.Open();
        await writer.AppendAsync(AuditTestLog.Record(1));

        await using (var submission = AuditSubmission.Open(_log.Directory, new AuditOptions()))
        {
            Assert.True(submission.ThroughBroker);
            Assert.True(await submission.SubmitAsync([AuditTestLog.Record(2), AuditTestLog.Record(3)], TimeSpan.FromSeconds(10)));
        }

        await writer.AppendAsync(AuditTestLog.Record(4));
        await writer.FlushAsync();
        await writer.DisposeAsync();
        AuditVerification verification = AuditVerifier.Verify(_log.Directory);
        Assert.True(verification.IsValid, verification.ToString());
        Assert.Equal(4, verification.RecordCount);
        var export = new StringWriter();
        AuditExporter.Export(_log.Directory, export);
        Assert.Equal(["client-001", "client-002", "client-003", "client-004"], ClientIds(export.ToString()));
        Assert.Equal(0, Count("SELECT count(*) FROM inbox"));
    }

    [Fact]
    public async Task Inbox_RowThatIsNotARecord_IsDiscardedWithANoteInTheTrail_NotAppendedAsIs()
    {
        await using var writer = _log.Open();
        using (var connection = new SqliteConnection($"Data Source={_log.DatabasePath}"))
        {
            connection.Open();
            using var insert = connection.CreateCommand();
            insert.CommandText = "INSERT INTO inbox (time_unix_ms, record) VALUES (0, x'deadbeef')";
            insert.ExecuteNonQuery();
        }

        await Infrastructure.Eventually.UntilAsync(() => Count("SELECT count(*) FROM inbox") == 0, "the writer to take the inbox");
        await writer.DisposeAsync();

        var export = new StringWriter();
        AuditExporter.Export(_log.Directory, export);
        string line = Assert.Single(export.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("\"kind\":\"AdminAction\"", line, StringComparison.Ordinal);
        Assert.Contains("\"payloadSize\":4", line, StringComparison.Ordinal);
        Assert.Contains("not a canonical audit record", line, StringComparison.Ordinal);
    }

    private long Count(string sql)
    {
        using var connection = new SqliteConnection($"Data Source={_log.DatabasePath};Mode=ReadOnly");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return (long)command.ExecuteScalar()!;
    }

    private static List<string?> ClientIds(string export) =>
        [.. export.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => System.Text.Json.JsonDocument.Parse(l).RootElement.GetProperty("clientId").GetString())];
}
