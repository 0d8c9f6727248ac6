using MqttHealth.Broker.Testing;
using MqttHealth.EdgeAgent.Outbox;
using MqttHealth.EdgeAgent.Tests.Infrastructure;
using MqttHealth.Payloads.Clinical.V1;

namespace MqttHealth.EdgeAgent.Tests;

/// <summary>
/// Sets are stamped only with a patient context whose envelope is in the outbox. A context whose number is in the
/// sender's state but whose envelope never reached the outbox (a crash or a failed commit between the two; here: the
/// outbox file lost after a kill -9) must not leave the device's later sets waiting for it: the agent associates the
/// patient anew, under a new number, before them.
/// </summary>
public sealed class PatientContextRestartTests
{
    private static readonly TimeSpan Arrival = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task SenderContextNotInTheOutbox_NextSealAssociatesAnew_LaterSetsWithAndWithoutPatientResolveNoneHeld()
    {
        await using BrokerProcess broker = await BrokerProcess.StartAsync();
        using var setup = new AgentSetup(1, broker.Ports.Mqtt);
        await using TestReceiver receiver = await TestReceiver.StartAsync(broker.Ports.Mqtt, setup.Consumer, setup.Trust);

        await using (AgentProcess first = await AgentProcess.StartAsync(setup))
        {
            for (int i = 0; i < 5; i++)
            {
                Assert.Single(await first.AcceptAsync([AgentSetup.Vitals("mon-1", i)]));
            }

            await receiver.WaitForAsync(r => r.Attributed.Count == 5, Arrival, "the first 5 readings, attributed");
            first.Kill();
        }

        // The sender's state (context 1, patient 0a0b0c) stays; the outbox that recorded context 1 as queued is gone.
        foreach (string file in Directory.GetFiles(setup.DataDirectory, OutboxStore.FileName + "*"))
        {
            File.Delete(file);
        }

        await using AgentProcess second = await AgentProcess.StartAsync(setup);
        for (int i = 5; i < 10; i++)
        {
            // Half of them name no patient: they belong to the device's patient, which the new context carries.
            string reading = i % 2 == 0 ? AgentSetup.Vitals("mon-1", i) : AgentSetup.Vitals("mon-1", i).Replace("\"patient\":\"0a0b0c\",", string.Empty, StringComparison.Ordinal);
            Assert.Single(await second.AcceptAsync([reading]));
        }

        await receiver.WaitForAsync(r => r.Attributed.Count == 10, Arrival, "all 10 readings, attributed");
        Assert.Equal([.. Enumerable.Range(0, 10).Select(AgentSetup.TimeMs)], receiver.Attributed.Select(a => a.TimeMs));
        Assert.All(receiver.Attributed, a => Assert.Equal("0a0b0c", a.Patient));
        Assert.Equal(2, receiver.Opened.Count(o => o.Device == "mon-1" && o.Kind == ClinicalPayload.KindOneofCase.PatientContext));
        Assert.Equal(0, receiver.HeldForContext);
        Assert.Empty(receiver.Errors);
    }

    [Fact]
    public async Task Kill9ThenRestart_CommittedContextRemembered_NoNewContextForTheSamePatient()
    {
        await using BrokerProcess broker = await BrokerProcess.StartAsync();
        using var setup = new AgentSetup(1, broker.Ports.Mqtt);
        await using TestReceiver receiver = await TestReceiver.StartAsync(broker.Ports.Mqtt, setup.Consumer, setup.Trust);

        await using (AgentProcess first = await AgentProcess.StartAsync(setup))
        {
            Assert.Single(await first.AcceptAsync([AgentSetup.Vitals("mon-1", 0)]));
            await receiver.WaitForAsync(r => r.Attributed.Count == 1, Arrival, "the first reading, attributed");
            first.Kill();
        }

        await using AgentProcess second = await AgentProcess.StartAsync(setup);
        Assert.Single(await second.AcceptAsync([AgentSetup.Vitals("mon-1", 1)]));
        await receiver.WaitForAsync(r => r.Attributed.Count == 2, Arrival, "both readings, attributed");
        Assert.Single(receiver.Opened, o => o.Device == "mon-1" && o.Kind == ClinicalPayload.KindOneofCase.PatientContext);
        Assert.Empty(receiver.Errors);
    }
}
