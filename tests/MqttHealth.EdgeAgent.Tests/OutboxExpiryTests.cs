using MqttHealth.EdgeAgent.Options;
using MqttHealth.EdgeAgent.Outbox;

namespace MqttHealth.EdgeAgent.Tests;

/// <summary>The expiry of stale routine data, per priority, on a real SQLite outbox file.</summary>
public sealed class OutboxExpiryTests : IDisposable
{
    private static readonly DateTimeOffset Now = new(2026, 11, 21, 12, 0, 0, TimeSpan.Zero);
    private readonly string _directory = Directory.CreateTempSubdirectory("mqtthealth-outbox-").FullName;

    [Fact]
    public void Expire_RoutineOlderThanItsPriorityMaximum_DroppedAndCounted_AlarmsAnnouncementsAndFreshDataKept()
    {
        var options = new OutboxOptions { VitalsMaxAge = TimeSpan.FromHours(1), StatusMaxAge = TimeSpan.FromMinutes(10) };
        using (OutboxStore store = OutboxStore.Open(_directory, options, new FixedTime(Now)))
        {
            store.CommitSealed(
                [
                    Entry(OutboxPriority.Vitals, "vitals-stale", readings: 60, age: TimeSpan.FromHours(2)),
                    Entry(OutboxPriority.Vitals, "vitals-fresh", readings: 30, age: TimeSpan.FromMinutes(59)),
                    Entry(OutboxPriority.Status, "status-stale", readings: 1, age: TimeSpan.FromMinutes(11)),
                    Entry(OutboxPriority.Status, "status-fresh", readings: 1, age: TimeSpan.FromMinutes(9)),
                    Entry(OutboxPriority.Alarm, "alarm-two-days-old", readings: 1, age: TimeSpan.FromDays(2)),
                    Entry(OutboxPriority.Announcement, "announcement-two-days-old", readings: 0, age: TimeSpan.FromDays(2)),
                ],
                []);
            long bytesBefore = store.BytesUsed;

            Assert.Equal(61, store.Expire());

            Assert.Equal(
                ["announcement-two-days-old", "alarm-two-days-old", "status-fresh", "vitals-fresh"],
                store.Next(100).Select(row => row.Entry.Topic));
            Assert.True(store.BytesUsed < bytesBefore, "the budget's byte count goes down with the expired rows");
            Dictionary<string, long> counters = store.ReadCounters();
            Assert.Equal(1, counters["dropped.expired.vitals.messages"]);
            Assert.Equal(60, counters["dropped.expired.vitals.readings"]);
            Assert.Equal(1, counters["dropped.expired.status.messages"]);
            Assert.Equal(0, store.Expire());
        }

        // The drops are on disk, not only in memory: a reopened outbox has the same rows and counters.
        using OutboxStore reopened = OutboxStore.Open(_directory, options, new FixedTime(Now));
        Assert.Equal(4, reopened.Next(100).Count);
        Assert.Equal(60, reopened.ReadCounters()["dropped.expired.vitals.readings"]);
    }

    [Fact]
    public void Expire_MaximumAgeZero_KeepsThatPriorityWhateverItsAge()
    {
        var options = new OutboxOptions { VitalsMaxAge = TimeSpan.Zero, StatusMaxAge = TimeSpan.Zero };
        using OutboxStore store = OutboxStore.Open(_directory, options, new FixedTime(Now));
        store.CommitSealed(
            [
                Entry(OutboxPriority.Vitals, "vitals-week-old", readings: 10, age: TimeSpan.FromDays(7)),
                Entry(OutboxPriority.Status, "status-week-old", readings: 1, age: TimeSpan.FromDays(7)),
            ],
            []);

        Assert.Equal(0, store.Expire());
        Assert.Equal(2, store.Next(100).Count);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static OutboxEntry Entry(OutboxPriority priority, string topic, int readings, TimeSpan age) =>
        new(priority, "dev-1", topic, new byte[48], priority == OutboxPriority.Alarm ? 2 : 1, Retain: priority == OutboxPriority.Announcement, readings, (Now - age).ToUnixTimeMilliseconds());

    private sealed class FixedTime(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
