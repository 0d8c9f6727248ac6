using Google.Protobuf;
using MqttHealth.EdgeAgent.Options;
using MqttHealth.EdgeAgent.Outbox;
using MqttHealth.EdgeAgent.Pipeline;
using MqttHealth.EdgeAgent.Uplink;
using MqttHealth.Payloads.Clinical.V1;

namespace MqttHealth.EdgeAgent.Tests;

/// <summary>The small policies on their own: back-off, the batch window, payload building, bytes on the wire.</summary>
public sealed class AgentPolicyTests
{
    [Fact]
    public void ReconnectBackoff_FullJitter_WithinZeroAndTheDoublingCeilingBoundedByTheMaximum()
    {
        var low = new ReconnectBackoff(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(60), () => 0.0);
        var high = new ReconnectBackoff(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(60), () => 0.999999);
        Assert.Equal(TimeSpan.Zero, low.Delay(5));
        Assert.Equal([1, 2, 4, 8, 16, 32, 60, 60], Enumerable.Range(0, 8).Select(a => (int)Math.Round(high.Delay(a).TotalSeconds)));
        Assert.Equal(TimeSpan.FromSeconds(60), high.Ceiling(1000));
        var real = new ReconnectBackoff(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(60));
        Assert.All(Enumerable.Range(0, 200), a => Assert.InRange(real.Delay(a % 10), TimeSpan.Zero, real.Ceiling(a % 10)));
    }

    [Fact]
    public void BatchWindow_LinkDownBehindAndCaughtUp_MaximumThenDoublesThenHalvesToTheMinimum()
    {
        var window = new BatchWindow(new BatchingOptions { MinWindow = TimeSpan.Zero, MaxWindow = TimeSpan.FromSeconds(8), BacklogThreshold = 4 });
        Assert.Equal(TimeSpan.Zero, window.Current);
        Assert.Equal(TimeSpan.FromSeconds(8), window.Update(connected: false, 0));
        Assert.Equal(TimeSpan.FromSeconds(4), window.Update(connected: true, 0));
        Assert.Equal(TimeSpan.FromSeconds(4), window.Update(connected: true, 2)); // some queue, not behind: hold
        Assert.Equal(TimeSpan.FromSeconds(8), window.Update(connected: true, 5));
        Assert.Equal(TimeSpan.FromSeconds(8), window.Update(connected: true, 50)); // capped
        TimeSpan[] down = [.. Enumerable.Range(0, 6).Select(_ => window.Update(connected: true, 0))];
        Assert.Equal([4000, 2000, 1000, 500, 0, 0], down.Select(t => (int)t.TotalMilliseconds));
        Assert.Equal(BatchWindow.FirstStep, window.Update(connected: true, 5));
    }

    [Fact]
    public void PayloadBuilder_MixedReadings_AlarmAloneSetsBatchedByPatientTimeOrderAndMaximum()
    {
        List<PendingReading> readings =
        [
            Set(1, "aa", 1000), Set(2, "aa", 2000), Set(3, "aa", 3000),
            Alarm(4, 3500),
            Set(5, "aa", 4000), Set(6, "bb", 5000), Set(7, "bb", 4500), Set(8, "bb", 6000),
        ];
        List<BuiltPayload> built = PayloadBuilder.Build(readings, maxSets: 2);
        Assert.Equal(
            [("SampleBatch", "1,2"), ("SampleSet", "3"), ("Alarm", "4"), ("SampleSet", "5"), ("SampleSet", "6"), ("SampleBatch", "7,8")],
            built.Select(b => (b.Payload.KindCase.ToString(), string.Join(",", b.ReadingIds))));
        SampleBatch batch = built[0].Payload.SampleBatch;
        Assert.Equal(ByteString.CopyFrom([0xaa]), batch.PatientRef);
        Assert.Equal([1000UL, 2000UL], Payloads.Schema.SampleSets.FromBatch(batch).Select(s => s.TimeMs));
        Assert.Equal(1000, built[0].OldestAcceptedMs);
    }

    [Fact]
    public void WireBytes_TopicAliases_FirstPublishCarriesTheTopicLaterOnlyTheAlias()
    {
        var wire = new WireBytes(topicAliasMaximum: 1);
        const string topic = "mh/v1/f1/icu-2/mon-1/vitals";
        byte[] payload = new byte[100];
        int first = wire.Measure(topic, payload, 1, false);
        int second = wire.Measure(topic, payload, 1, false);
        int other = wire.Measure("mh/v1/f1/icu-2/mon-2/vitals", payload, 2, false); // no alias left: in full
        Assert.Equal(1 + 2 + 2 + topic.Length + 2 + 1 + 3 + 100 + 4, first); // header, remaining length (2 bytes), topic, id, properties (alias), payload, PUBACK
        Assert.Equal(1 + 1 + 2 + 0 + 2 + 1 + 3 + 100 + 4, second); // the alias alone: the remaining length fits in 1 byte again
        Assert.Equal(1 + 2 + 2 + topic.Length + 2 + 1 + 100 + 12, other); // QoS 2: PUBREC, PUBREL, PUBCOMP
    }

    private static PendingReading Set(long id, string patient, ulong time)
    {
        var set = new SampleSet { PatientRef = ByteString.CopyFrom(Convert.FromHexString(patient)), TimeMs = time };
        Payloads.Schema.SampleSets.Add(set, Payloads.Schema.VitalsCatalogue.HeartRate, 70);
        return new PendingReading(id, "mon-1", OutboxPriority.Vitals, new ClinicalPayload { SampleSet = set }, (long)time);
    }

    private static PendingReading Alarm(long id, ulong time) =>
        new(id, "mon-1", OutboxPriority.Alarm, new ClinicalPayload { Alarm = new Alarm { TimeMs = time, AlarmId = 1, Priority = AlarmPriority.High } }, (long)time);
}
