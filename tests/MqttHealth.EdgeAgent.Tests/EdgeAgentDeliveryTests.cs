using System.Diagnostics;
using System.Text.Json;
using MqttHealth.Broker.Testing;
using MqttHealth.EdgeAgent.Tests.Infrastructure;
using MqttHealth.Payloads.Clinical.V1;

namespace MqttHealth.EdgeAgent.Tests;

/// <summary>
/// Store-and-forward with real processes: the broker goes down and comes back, the agent is killed with a full
/// outbox, an alarm is raised behind a long queue, the disk budget runs out.
/// </summary>
public sealed class EdgeAgentDeliveryTests
{
    private static readonly TimeSpan Arrival = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task Outage_BrokerDown60Seconds_EverythingArrivesInOrderPerDeviceWithoutDuplicates()
    {
        await using BrokerProcess broker = await BrokerProcess.StartAsync();
        using var setup = new AgentSetup(3, broker.Ports.Mqtt);
        await using TestReceiver receiver = await TestReceiver.StartAsync(broker.Ports.Mqtt, setup.Consumer, setup.Trust);
        await using AgentProcess agent = await AgentProcess.StartAsync(setup);
        var feeder = new Feeder(agent, setup.DeviceNames);

        await feeder.FeedAsync(TimeSpan.FromSeconds(5));
        await receiver.WaitForAsync(r => r.VitalsCount() == feeder.Accepted.Count, Arrival, "the readings before the outage");

        await broker.StopAsync();
        var outage = Stopwatch.StartNew();
        await agent.WaitForStatusAsync(s => s.GetProperty("link").GetProperty("state").GetString() != "connected", TimeSpan.FromSeconds(30), "the agent sees the link down");
        await feeder.FeedAsync(TimeSpan.FromSeconds(60) - outage.Elapsed);
        JsonElement during = await agent.StatusAsync();
        Assert.True(during.GetProperty("queue").GetProperty("readings").GetProperty("vitals").GetInt64() > 0, during.ToString());
        Assert.NotEqual(JsonValueKind.Null, during.GetProperty("queue").GetProperty("oldestUnsent").ValueKind);

        await broker.RestartAsync();
        await feeder.FeedAsync(TimeSpan.FromSeconds(3));
        await receiver.WaitForAsync(r => r.VitalsCount() >= feeder.Accepted.Count, Arrival, "every accepted reading after the outage");

        Assert.Equal(feeder.Accepted.Count, receiver.VitalsCount()); // no duplicate got through the receiver's dedupe
        Dictionary<string, List<ulong>> times = receiver.VitalsTimes();
        foreach (string device in setup.DeviceNames)
        {
            Assert.Equal(feeder.Expected(device), times[device]); // all of them, in order
        }

        Assert.Equal(0, receiver.ReusedSequences);
        Assert.Empty(receiver.Errors);
        JsonElement after = await agent.WaitForStatusAsync(s => s.GetProperty("queue").GetProperty("readings").GetProperty("vitals").GetInt64() == 0, Arrival, "the queue drains");
        Assert.Equal("connected", after.GetProperty("link").GetProperty("state").GetString());
        Assert.NotEqual(JsonValueKind.Null, after.GetProperty("link").GetProperty("lastAck").ValueKind);
    }

    [Fact]
    public async Task PowerLoss_Kill9WithFullOutbox_NothingAcceptedIsLostAndNoSequenceIsReused()
    {
        await using BrokerProcess broker = await StoppedBrokerWithOfflineConsumerAsync();
        using var setup = new AgentSetup(3, broker.Ports.Mqtt);
        setup.Set("Batching", "MaxBatchSets", 20);
        var feeder = new Feeder(null, setup.DeviceNames);
        await using (AgentProcess first = await AgentProcess.StartAsync(setup))
        {
            feeder.Agent = first;
            await feeder.FeedAsync(TimeSpan.FromSeconds(3), perRound: 30);
            await first.WaitForStatusAsync(s => s.GetProperty("queue").GetProperty("messages").GetProperty("vitals").GetInt64() >= 10, Arrival, "sealed vitals in the outbox");

            // Killed while readings keep coming: some are acknowledged, some pending, some being sealed.
            long before = (await first.StatusAsync()).GetProperty("accepted").GetInt64();
            Task feeding = feeder.FeedAsync(TimeSpan.FromSeconds(30), perRound: 30);
            await first.WaitForStatusAsync(s => s.GetProperty("accepted").GetInt64() >= before + 300, Arrival, "more readings accepted");
            first.Kill();
            await feeding; // the POSTs that failed with the kill are not counted as accepted
        }

        await using AgentProcess second = await AgentProcess.StartAsync(setup);
        feeder.Agent = second;
        await feeder.FeedAsync(TimeSpan.FromSeconds(2), perRound: 30);
        await broker.RestartAsync();
        await using TestReceiver receiver = await TestReceiver.StartAsync(broker.Ports.Mqtt, setup.Consumer, setup.Trust, resume: true);
        await receiver.WaitForAsync(r => feeder.Accepted.All(a => r.VitalsTimes().GetValueOrDefault(a.Device)?.Contains(a.Time) ?? false), Arrival, "every accepted reading");

        var pairs = receiver.Opened.Select(o => (o.Device, o.Epoch, o.Sequence)).ToList();
        Assert.Equal(pairs.Count, pairs.Distinct().Count()); // no (epoch, sequence) twice
        Assert.Equal(0, receiver.ReusedSequences);
        Assert.Empty(receiver.Errors);
        foreach ((string device, List<ulong> times) in receiver.VitalsTimes())
        {
            Assert.Equal(times.Order(), times); // in order per device, and each once
            Assert.Equal(times.Count, times.Distinct().Count());
        }
    }

    [Fact]
    public async Task Priority_AlarmRaisedBehind10000QueuedVitals_ArrivesFirst()
    {
        await using BrokerProcess broker = await StoppedBrokerWithOfflineConsumerAsync();
        using var setup = new AgentSetup(1, broker.Ports.Mqtt);
        await using AgentProcess agent = await AgentProcess.StartAsync(setup);
        for (int chunk = 0; chunk < 10; chunk++)
        {
            await agent.AcceptAsync(Enumerable.Range(chunk * 1000, 1000).Select(i => AgentSetup.Vitals("mon-1", i)));
        }

        Assert.Single(await agent.AcceptAsync([AgentSetup.Alarm("mon-1", 10_000, 7)]));
        JsonElement queued = await agent.WaitForStatusAsync(s => s.GetProperty("queue").GetProperty("readings").GetProperty("alarm").GetInt64() == 1, Arrival, "the alarm sealed");
        Assert.True(queued.GetProperty("queue").GetProperty("readings").GetProperty("vitals").GetInt64() == 10_000, queued.ToString());

        await broker.RestartAsync();
        await using TestReceiver receiver = await TestReceiver.StartAsync(broker.Ports.Mqtt, setup.Consumer, setup.Trust, resume: true);
        await receiver.WaitForAsync(r => r.VitalsCount() == 10_000 && r.Opened.Any(o => o.Kind == ClinicalPayload.KindOneofCase.Alarm), Arrival, "the alarm and the 10,000 vitals");

        // The device's patient context (retained, before anything that refers to it), then the alarm, then the vitals.
        OpenedEnvelope[] readings = [.. receiver.Opened.Where(o => o.Kind != ClinicalPayload.KindOneofCase.PatientContext)];
        Assert.Equal(ClinicalPayload.KindOneofCase.Alarm, readings[0].Kind);
        Assert.Equal("alarms", readings[0].Stream);
        Assert.Equal([.. Enumerable.Range(0, 10_000).Select(AgentSetup.TimeMs)], receiver.VitalsTimes()["mon-1"]);
        Assert.Empty(receiver.Errors);
    }

    [Fact]
    public async Task DiskBudget_Exhausted_RoutineDroppedOldestFirstAlarmsKeptDropsReported()
    {
        await using BrokerProcess broker = await StoppedBrokerWithOfflineConsumerAsync();
        using var setup = new AgentSetup(1, broker.Ports.Mqtt);
        setup.Set("Outbox", "DiskBudgetBytes", 16384);
        setup.Set("Batching", "MaxBatchSets", 10);
        await using AgentProcess agent = await AgentProcess.StartAsync(setup);
        int alarms = 0;
        for (int round = 0; round < 200; round++)
        {
            List<string> readings = [.. Enumerable.Range(round * 10, 10).Select(i => AgentSetup.Vitals("mon-1", i))];
            if (round % 20 == 0)
            {
                readings.Add(AgentSetup.Alarm("mon-1", (round * 10) + 9, ++alarms));
            }

            await agent.AcceptAsync(readings); // routine data makes room: nothing is refused
        }

        JsonElement status = await agent.WaitForStatusAsync(s => s.GetProperty("queue").GetProperty("pendingReadings").GetInt64() == 0, Arrival, "everything sealed");
        JsonElement dropped = status.GetProperty("dropped");
        long droppedVitals = dropped.GetProperty("diskbudget.vitals.readings").GetInt64();
        Assert.True(droppedVitals > 0, status.ToString());
        Assert.DoesNotContain(dropped.EnumerateObject(), p => p.Name.Contains("alarm", StringComparison.Ordinal));
        Assert.True(status.GetProperty("queue").GetProperty("bytesUsed").GetInt64() <= 16384 + 4096, status.ToString());

        await broker.RestartAsync();
        await using TestReceiver receiver = await TestReceiver.StartAsync(broker.Ports.Mqtt, setup.Consumer, setup.Trust, resume: true);
        long expectedVitals = 2000 - droppedVitals;
        await receiver.WaitForAsync(r => r.VitalsCount() == expectedVitals && r.Opened.Count(o => o.Kind == ClinicalPayload.KindOneofCase.Alarm) == alarms, Arrival, "the alarms and the vitals kept");
        List<ulong> times = receiver.VitalsTimes()["mon-1"];
        Assert.Equal(AgentSetup.TimeMs(1999), times[^1]); // the newest kept: the oldest were dropped
        Assert.Equal(times.Order(), times);

        // The status stream reports the drops too.
        await receiver.WaitForAsync(r => r.Statuses.Any(s => s.GetProperty("dropped").TryGetProperty("diskbudget.vitals.readings", out _)), Arrival, "a status message reporting the drops");
    }

    /// <summary>A broker (SQLite) that holds the consumer's persistent session, stopped: the agent queues until it is restarted.</summary>
    private static async Task<BrokerProcess> StoppedBrokerWithOfflineConsumerAsync()
    {
        BrokerProcess broker = await BrokerProcess.StartAsync();
        await TestReceiver.CreateSessionAsync(broker.Ports.Mqtt);
        await broker.StopAsync();
        return broker;
    }

    /// <summary>Posts one reading per device per round (5 rounds a second), in order; remembers what the agent acknowledged.</summary>
    private sealed class Feeder(AgentProcess? agent, IReadOnlyList<string> devices)
    {
        private int _index;

        public AgentProcess? Agent { get; set; } = agent;

        public List<(string Device, ulong Time)> Accepted { get; } = [];

        public List<ulong> Expected(string device)
        {
            lock (Accepted)
            {
                return [.. Accepted.Where(a => a.Device == device).Select(a => a.Time)];
            }
        }

        public async Task FeedAsync(TimeSpan duration, int perRound = 1)
        {
            var clock = Stopwatch.StartNew();
            while (clock.Elapsed < duration)
            {
                var round = new List<(string Device, int Index)>();
                for (int n = 0; n < perRound; n++)
                {
                    int index = _index++;
                    round.AddRange(devices.Select(d => (d, index)));
                }

                try
                {
                    await Agent!.AcceptAsync(round.Select(r => AgentSetup.Vitals(r.Device, r.Index)));
                }
                catch (HttpRequestException)
                {
                    return; // the agent was killed: these are not acknowledged
                }

                lock (Accepted)
                {
                    Accepted.AddRange(round.Select(r => (r.Device, AgentSetup.TimeMs(r.Index))));
                }

                await Task.Delay(200); // the devices' pace, not a wait for a condition
            }
        }
    }
}
