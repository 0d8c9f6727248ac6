using MqttHealth.Broker.Testing;
using MqttHealth.EdgeAgent.Tests.Infrastructure;
using MqttHealth.Payloads.Clinical.V1;

namespace MqttHealth.EdgeAgent.Tests;

/// <summary>
/// A patient context whose number is in the sender's state but whose envelope never reached the outbox (a crash between
/// the two) must not leave the device's later sets waiting for it: after every start the agent associates the patient
/// anew, under a new number, before the first set it seals.
/// </summary>
public sealed class PatientContextRestartTests
{
    private static readonly TimeSpan Arrival = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Kill9ThenRestart_FirstSealAssociatesThePatientAnew_EverySetResolvesNoneHeld()
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

            await receiver.WaitForAsync(r => r.VitalsCount() == 5, Arrival, "the first 5 readings");
            first.Kill();
        }

        await using AgentProcess second = await AgentProcess.StartAsync(setup);
        for (int i = 5; i < 10; i++)
        {
            Assert.Single(await second.AcceptAsync([AgentSetup.Vitals("mon-1", i)]));
        }

        await receiver.WaitForAsync(r => r.VitalsCount() == 10, Arrival, "all 10 readings");
        Assert.Equal([.. Enumerable.Range(0, 10).Select(AgentSetup.TimeMs)], receiver.VitalsTimes()["mon-1"]);
        Assert.Equal(2, receiver.Opened.Count(o => o.Device == "mon-1" && o.Kind == ClinicalPayload.KindOneofCase.PatientContext));
        Assert.Empty(receiver.Errors);
    }
}
