using System.Text.Json;
using MqttHealth.Broker.Testing;
using MqttHealth.EdgeAgent.Tests.Infrastructure;
using MqttHealth.Payloads.Clinical.V1;

namespace MqttHealth.EdgeAgent.Tests;

/// <summary>The built-in bedside-monitor simulator feeds the agent's devices through the usual path.</summary>
public sealed class SimulatorTests
{
    private static readonly TimeSpan Arrival = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Simulator_ThreeMonitors_SampleSetsAndStatusesOfEveryDeviceArriveInOrderAndAreCountedAsAccepted()
    {
        await using BrokerProcess broker = await BrokerProcess.StartAsync();
        using var setup = new AgentSetup(3, broker.Ports.Mqtt);
        setup.Set("Simulator", "Devices", 3);
        setup.Set("Simulator", "Speed", 10);
        setup.Set("Simulator", "Seed", 42);
        setup.Set("Simulator", "StatusIntervalSeconds", 30);
        await using TestReceiver receiver = await TestReceiver.StartAsync(broker.Ports.Mqtt, setup.Consumer, setup.Trust);
        DateTimeOffset started = DateTimeOffset.UtcNow;
        await using AgentProcess agent = await AgentProcess.StartAsync(setup);

        // 60 simulated seconds per monitor: sample sets, and statuses at 0 and 30 s.
        await receiver.WaitForAsync(
            r => setup.DeviceNames.All(d => r.VitalsTimes().GetValueOrDefault(d)?.Count >= 60
                && r.Opened.Count(o => o.Device == d && o.Kind == ClinicalPayload.KindOneofCase.Status) >= 2),
            Arrival,
            "a simulated minute of every monitor");

        await agent.Log.WaitForLineContainingAsync("Simulating 3 bedside monitors (mon-1 stable, mon-2 deteriorating, mon-3 arrhythmic)", Arrival);
        foreach ((string device, List<ulong> times) in receiver.VitalsTimes())
        {
            Assert.Equal(times.Order(), times);
            Assert.True(times[0] >= (ulong)started.ToUnixTimeMilliseconds() - 1000, $"{device}: the simulated time starts now");
        }

        Assert.Equal(0, receiver.Duplicates);
        Assert.Empty(receiver.Errors);
        JsonElement status = await agent.StatusAsync();
        Assert.True(status.GetProperty("accepted").GetInt64() >= 180, status.ToString());
        Assert.False(status.GetProperty("rejected").TryGetProperty("simulator", out _), status.ToString());
    }
}
