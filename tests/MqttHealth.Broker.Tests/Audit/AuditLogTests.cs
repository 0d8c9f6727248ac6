using System.Security.Cryptography;
using Microsoft.Extensions.Logging.Abstractions;
using MqttHealth.Broker.Audit;
using MqttHealth.Broker.Tests.Infrastructure;

namespace MqttHealth.Broker.Tests.Audit;

public sealed class AuditLogTests : IDisposable
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(10);
    private readonly AuditTestLog _log = new();

    public void Dispose() => _log.Dispose();

    [Fact]
    public async Task AppendThenVerify_RoundTrip_IsValidAndReadsBackEveryField()
    {
        var payload = "ciphertext bytes"u8.ToArray();
        var withPayload = AuditPayload.Describe(new AuditRecord(AuditTestLog.Start, AuditEventKind.PublishDenied, "pump-12", "c1", "[::1]:1883", "ward/7/pump/12", Detail: "not granted"), payload);
        await using (var log = _log.Open(new AuditOptions { CheckpointInterval = 3 }))
        {
            for (var n = 1; n <= 7; n++)
            {
                Assert.True(log.TryAppend(AuditTestLog.Record(n)));
            }

            await log.AppendAsync(withPayload);
            await log.FlushAsync();
            Assert.Equal(8, log.Committed);
        }

        var result = _log.Verify();
        Assert.True(result.IsValid, result.Problem);
        Assert.Equal(8, result.RecordCount);
        Assert.Equal(3, result.CheckpointCount); // at 3 and 6 by interval, at 8 on dispose
        Assert.Equal(withPayload, AuditRecordEncoding.Decode(_log.ReadBlob("SELECT record FROM records WHERE seq = 8")));
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(payload)), withPayload.PayloadSha256!.ToString());
    }

    [Fact]
    public async Task Reopen_AfterDispose_ContinuesTheSameTree()
    {
        await _log.WriteAsync(4, interval: 100);
        await using (var log = _log.Open(new AuditOptions { CheckpointInterval = 100 }))
        {
            await log.AppendAsync(AuditTestLog.Record(5));
        }

        var result = _log.Verify();
        Assert.True(result.IsValid, result.Problem);
        Assert.Equal(5, result.LastSequence);
        Assert.Equal(2, result.CheckpointCount);
    }

    [Fact]
    public async Task QueueFull_AppendAsyncWaitsAndTryAppendRefuses_NothingLost()
    {
        var log = AuditLog.OpenStopped(_log.Directory, new AuditOptions { QueueCapacity = 2 }, NullLogger.Instance);
        await using (log)
        {
            Assert.True(log.TryAppend(AuditTestLog.Record(1)));
            Assert.True(log.TryAppend(AuditTestLog.Record(2)));

            Assert.False(log.TryAppend(AuditTestLog.Record(99)));
            Assert.Equal(1, log.Refused);
            var waiting = log.AppendAsync(AuditTestLog.Record(3)).AsTask();
            Assert.False(waiting.IsCompleted);

            log.Start();
            await waiting.WaitAsync(Limit);
            await log.FlushAsync().WaitAsync(Limit);
            Assert.Equal(3, log.Committed);
        }

        var result = _log.Verify();
        Assert.True(result.IsValid, result.Problem);
        Assert.Equal(3, result.RecordCount);
    }

    [Fact]
    public async Task CheckpointPeriod_Elapses_WritesSignedHead()
    {
        var clock = new ManualTimeProvider(AuditTestLog.Start);
        var head = Path.Combine(_log.Directory, AuditFiles.Head);
        await using var log = AuditLog.Open(_log.Directory, new AuditOptions { CheckpointPeriod = TimeSpan.FromMinutes(1) }, NullLogger<AuditLog>.Instance, clock);
        await log.AppendAsync(AuditTestLog.Record(1));
        await log.FlushAsync();
        Assert.False(File.Exists(head));

        // Advanced on every poll: the writer arms its timer only once it is idle again, which may be after the first advance.
        await Eventually.UntilAsync(
            () =>
            {
                clock.Advance(TimeSpan.FromMinutes(1));
                return File.Exists(head);
            },
            "audit.head written by the periodic checkpoint");
        Assert.Contains("tree_size 1\n", await File.ReadAllTextAsync(head), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Open_FirstTime_CreatesPrivateKeyReadableByOwnerOnlyAndPublicKey()
    {
        await using (_log.Open())
        {
        }

        var privateKey = Path.Combine(_log.Directory, AuditFiles.PrivateKey);
        Assert.Contains("BEGIN PRIVATE KEY", await File.ReadAllTextAsync(privateKey), StringComparison.Ordinal);
        Assert.Contains("BEGIN PUBLIC KEY", await File.ReadAllTextAsync(Path.Combine(_log.Directory, AuditFiles.PublicKey)), StringComparison.Ordinal);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(privateKey));
        }
    }

    [Fact]
    public async Task Open_SecondWriterOnSameDirectory_Refused()
    {
        await using var first = _log.Open();

        var error = Assert.Throws<AuditLogInUseException>(() => _log.Open());

        Assert.Contains("in use", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Open_NotADatabase_ThrowsNamingTheFile()
    {
        Directory.CreateDirectory(_log.Directory);
        await File.WriteAllTextAsync(_log.DatabasePath, "this is not a database, it is text long enough to fill a header page");

        var error = Assert.Throws<AuditException>(() => _log.Open());

        Assert.Contains(_log.DatabasePath, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TryAppend_AfterDispose_Throws()
    {
        var log = _log.Open();
        await log.DisposeAsync();

        Assert.Throws<ObjectDisposedException>(() => log.TryAppend(AuditTestLog.Record(1)));
        await Assert.ThrowsAsync<ObjectDisposedException>(() => log.AppendAsync(AuditTestLog.Record(1)).AsTask());
    }
}
