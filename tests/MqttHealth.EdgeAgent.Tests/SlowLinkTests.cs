using System.Diagnostics;
using System.Text.Json;
using MqttHealth.Broker.Testing;
using MqttHealth.EdgeAgent.Tests.Infrastructure;
using Xunit.Abstractions;

namespace MqttHealth.EdgeAgent.Tests;

/// <summary>A 9.6 kbit/s link (a throttling proxy on loopback between the agent and the broker) with twelve devices at 1 Hz.</summary>
public sealed class SlowLinkTests(ITestOutputHelper output)
{
    private const double LinkBytesPerSecond = 9600 / 8.0;
    private const int Devices = 12;
    private static readonly TimeSpan FeedTime = TimeSpan.FromSeconds(45);

    [Fact]
    public async Task SlowLink_9600BitsTwelveDevicesAt1Hz_BatchingKeepsTheQueueBoundedAndBytesPerReadingReported()
    {
        await using BrokerProcess broker = await BrokerProcess.StartAsync();
        await using var link = new ThrottlingProxy(broker.Ports.Mqtt, LinkBytesPerSecond);
        using var setup = new AgentSetup(Devices, link.Port);
        setup.Set("Batching", "MaxWindow", "00:00:10");
        setup.Set("Batching", "BacklogThreshold", 4);
        setup.Set("Status", "Interval", "00:01:00");
        await using TestReceiver receiver = await TestReceiver.StartAsync(broker.Ports.Mqtt, setup.Consumer, setup.Trust);
        await using AgentProcess agent = await AgentProcess.StartAsync(setup);

        // Each device sends one reading a second; the queue is sampled every second.
        var queue = new List<(TimeSpan At, long Readings, long WindowMs)>();
        var clock = Stopwatch.StartNew();
        int sent = 0;
        for (int second = 0; clock.Elapsed < FeedTime; second++)
        {
            await agent.AcceptAsync(setup.DeviceNames.Select(d => AgentSetup.Vitals(d, second)));
            sent += Devices;
            JsonElement status = await agent.StatusAsync();
            JsonElement q = status.GetProperty("queue");
            queue.Add((clock.Elapsed, q.GetProperty("readings").GetProperty("vitals").GetInt64(), status.GetProperty("batchWindowMs").GetInt64()));
            TimeSpan next = TimeSpan.FromSeconds(second + 1) - clock.Elapsed;
            if (next > TimeSpan.Zero)
            {
                await Task.Delay(next); // the devices' 1 Hz pace
            }
        }

        await receiver.WaitForAsync(r => r.VitalsCount() == sent, TimeSpan.FromSeconds(40), "every reading over the slow link");
        JsonElement final = await agent.StatusAsync();
        double bytesPerReading = final.GetProperty("sent").GetProperty("bytesPerReading").GetDouble();
        // The first ~25 s carry the start-up burst: each device's epoch announcement (with its certificate) and patient
        // context, each acknowledged before what follows. The steady state is the last third.
        long maxLate = queue.Where(s => s.At > FeedTime * 2 / 3).Max(s => s.Readings);
        output.WriteLine($"readings {sent}, bytes/reading {bytesPerReading}, proxy upstream bytes {link.UpstreamBytes} ({(double)link.UpstreamBytes / sent:0.0}/reading), queue max {queue.Max(s => s.Readings)}, in the last third {maxLate}");
        output.WriteLine(string.Join(" ", queue.Select(s => $"{s.At.TotalSeconds:0}s:{s.Readings}q/{s.WindowMs}ms")));

        // Keeping up: what one reading costs times the readings per second fits in the link...
        Assert.InRange(bytesPerReading, 1, LinkBytesPerSecond / Devices);
        // ...and once the start-up burst is through, the queue stays within one maximum window of readings.
        Assert.True(maxLate <= Devices * 10, $"queue at {maxLate} readings in the last third");
        long reported = final.GetProperty("sent").GetProperty("bytes").GetInt64();
        Assert.True(reported <= link.UpstreamBytes + link.DownstreamBytes, $"the agent reports {reported} MQTT bytes, more than the link carried");
        Assert.Empty(receiver.Errors);
    }
}
