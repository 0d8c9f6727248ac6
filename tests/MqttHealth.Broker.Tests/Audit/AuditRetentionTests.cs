using MqttHealth.Broker.Audit;

namespace MqttHealth.Broker.Tests.Audit;

public sealed class AuditRetentionTests : IDisposable
{
    private readonly AuditTestLog _log = new();

    public void Dispose() => _log.Dispose();

    // Records 1..7 are seven years old, 8..12 recent; checkpoints at 5, 10 and 12.
    private Task WriteOldAndNewAsync() =>
        _log.WriteAsync(12, interval: 5, time: n => n <= 7 ? DateTimeOffset.UtcNow.AddYears(-7).AddSeconds(n) : DateTimeOffset.UtcNow.AddSeconds(n));

    [Fact]
    public async Task Open_RecordsPastRetention_PrunesUpToLastCheckpointBeforeFirstKeptRecordAndStillVerifies()
    {
        await WriteOldAndNewAsync();

        await using (var log = _log.Open(new AuditOptions { CheckpointInterval = 5 }))
        {
            await log.AppendAsync(AuditTestLog.Record(13, DateTimeOffset.UtcNow));
        }

        var result = _log.Verify();
        Assert.True(result.IsValid, result.Problem);
        Assert.Equal(5, result.PrunedThrough);
        Assert.Equal(8, result.RecordCount);
        Assert.Equal(13, result.LastSequence);
    }

    [Fact]
    public async Task PruneAsync_NothingOldEnough_PrunesNothing()
    {
        await _log.WriteAsync(12, interval: 5, time: _ => DateTimeOffset.UtcNow);

        await using var log = _log.Open(new AuditOptions { CheckpointInterval = 5 });

        Assert.Equal(0, await log.PruneAsync());
    }

    [Fact]
    public async Task Verify_AfterPruning_StillDetectsEditedRecord()
    {
        await WriteOldAndNewAsync();
        await using (_log.Open(new AuditOptions { CheckpointInterval = 5 }))
        {
        }

        _log.EditClientId(6, "client-666");

        var result = _log.Verify();
        Assert.False(result.IsValid);
        Assert.Equal(6, result.FirstBadSequence);
    }

    [Fact]
    public async Task Verify_PrunedBaseTamperedWith_Detected()
    {
        await WriteOldAndNewAsync();
        await using (_log.Open(new AuditOptions { CheckpointInterval = 5 }))
        {
        }

        var frontier = _log.ReadBlob("SELECT base_frontier FROM state");
        frontier[0] ^= 1;
        _log.Tamper("UPDATE state SET base_frontier = $f", c => c.Parameters.AddWithValue("$f", frontier));

        var result = _log.Verify();
        Assert.False(result.IsValid);
        Assert.Equal(5, result.BadCheckpointTreeSize);
    }
}
