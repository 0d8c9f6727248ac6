using MqttHealth.Broker.Testing;
using MqttHealth.EdgeAgent.Tests.Infrastructure;
using MqttHealth.Mqtt.Client.Tests.Infrastructure;
using MqttHealth.Mqtt.Packets;
using MqttHealth.Mqtt.Protocol;
using MqttHealth.Payloads.Clinical.V1;

namespace MqttHealth.EdgeAgent.Tests;

/// <summary>
/// The persistent MQTT session across a kill -9: the agent stores each in-flight message's Packet Identifier and
/// PUBREC, and the restarted process resumes the broker's session (clean start false) with the same identifiers.
/// </summary>
public sealed class SessionResumeTests
{
    private static readonly TimeSpan Arrival = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Kill9WithQoS2AlarmsInFlight_RestartResumesTheBrokerSession_EachAlarmDeliveredExactlyOnce()
    {
        await using BrokerProcess broker = await BrokerProcess.StartAsync();
        await using var proxy = new MqttTestProxy(broker.Ports.Mqtt);
        using var setup = new AgentSetup(1, proxy.Port);
        await using TestReceiver receiver = await TestReceiver.StartAsync(broker.Ports.Mqtt, setup.Consumer, setup.Trust);

        // First process: alarms 1-5 get their PUBREC (the broker holds them until our PUBREL), the PUBCOMPs are lost;
        // alarms 6-10 reach the broker, their PUBRECs are lost. Then kill -9.
        bool holdPubRec = false;
        int pubComps = 0;
        int pubRecs = 0;
        var fivePubComps = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var fivePubRecs = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        proxy.Filter = p =>
        {
            if (p.Connection != 0 || p.Direction != ProxyDirection.ServerToClient)
            {
                return ProxyAction.Forward;
            }

            if (p.Type == MqttPacketType.PubComp)
            {
                _ = ++pubComps == 5 && fivePubComps.TrySetResult();
                return ProxyAction.Drop;
            }

            if (holdPubRec && p.Type == MqttPacketType.PubRec)
            {
                _ = ++pubRecs == 5 && fivePubRecs.TrySetResult();
                return ProxyAction.Drop;
            }

            return ProxyAction.Forward;
        };
        await using (AgentProcess first = await AgentProcess.StartAsync(setup))
        {
            await first.AcceptAsync(Enumerable.Range(1, 5).Select(i => AgentSetup.Alarm("mon-1", i, i)));
            await fivePubComps.Task.WaitAsync(Arrival);
            holdPubRec = true;
            await first.AcceptAsync(Enumerable.Range(6, 5).Select(i => AgentSetup.Alarm("mon-1", i, i)));
            await fivePubRecs.Task.WaitAsync(Arrival);
            first.Kill();
        }

        ushort[] released = [.. Dropped(proxy, MqttPacketType.PubComp).Select(p => p.AckPacketId)];
        ushort[] published = [.. Dropped(proxy, MqttPacketType.PubRec).Select(p => p.AckPacketId)];
        await using AgentProcess second = await AgentProcess.StartAsync(setup);
        await second.Log.WaitForLineContainingAsync("session present True", Arrival);
        await second.WaitForStatusAsync(s => s.GetProperty("queue").GetProperty("messages").GetProperty("alarm").GetInt64() == 0, Arrival, "every alarm acknowledged");
        await receiver.WaitForAsync(r => r.Opened.Count(o => o.Kind == ClinicalPayload.KindOneofCase.Alarm) >= 10, Arrival, "the ten alarms");

        // The second connection resumed the session: PUBREL for those whose PUBREC had arrived, the PUBLISH again
        // (DUP = 1, same identifier) for the others, and nothing else of them.
        ProxiedPacket[] resumed = [.. proxy.Packets.Where(p => p.Connection == 1 && p.Direction == ProxyDirection.ClientToServer)];
        Assert.Equal(5, released.Length);
        Assert.All(released, id => Assert.Contains(resumed, p => p.Type == MqttPacketType.PubRel && p.AckPacketId == id));
        ProxiedPacket[] again = [.. resumed.Where(p => p.Type == MqttPacketType.Publish && published.Contains(Decode(p).PacketId))];
        Assert.Equal(published.Order(), again.Select(p => Decode(p).PacketId).Order());
        Assert.All(again, p => Assert.True(p.Dup));
        Assert.DoesNotContain(resumed, p => p.Type == MqttPacketType.Publish && released.Contains(Decode(p).PacketId));

        // Exactly once at the subscriber: no duplicate delivery, not even one the receiver's dedupe would catch.
        Assert.Equal([.. Enumerable.Range(1, 10).Select(AgentSetup.TimeMs)], receiver.Opened.Where(o => o.Kind == ClinicalPayload.KindOneofCase.Alarm).SelectMany(o => o.Times).Order());
        Assert.Equal(0, receiver.Duplicates);
        Assert.Empty(receiver.Errors);
    }

    private static PublishPacket Decode(ProxiedPacket packet) => (PublishPacket)packet.Decode(MqttProtocolVersion.V500);

    private static IEnumerable<ProxiedPacket> Dropped(MqttTestProxy proxy, MqttPacketType type) =>
        proxy.Packets.Where(p => p.Connection == 0 && p.Type == type && p.Action == ProxyAction.Drop);
}
