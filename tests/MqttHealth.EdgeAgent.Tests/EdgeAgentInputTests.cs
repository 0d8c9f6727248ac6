using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using MqttHealth.Broker.Testing;
using MqttHealth.EdgeAgent.Tests.Infrastructure;

namespace MqttHealth.EdgeAgent.Tests;

/// <summary>The three inputs end to end (the real agent and broker): good readings arrive, bad ones are refused with a clear error, counted, and the agent goes on.</summary>
public sealed class EdgeAgentInputTests
{
    private static readonly TimeSpan Arrival = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task HttpInput_ReadingsOfTwoDevices_ArriveOpenedInOrderPerDevice()
    {
        await using BrokerProcess broker = await BrokerProcess.StartAsync();
        using var setup = new AgentSetup(2, broker.Ports.Mqtt);
        await using TestReceiver receiver = await TestReceiver.StartAsync(broker.Ports.Mqtt, setup.Consumer, setup.Trust);
        await using AgentProcess agent = await AgentProcess.StartAsync(setup);

        for (int i = 0; i < 20; i++)
        {
            long[] ids = await agent.AcceptAsync([AgentSetup.Vitals("mon-1", i), AgentSetup.Vitals("mon-2", i)]);
            Assert.Equal(2, ids.Length);
        }

        await receiver.WaitForAsync(r => r.VitalsCount() == 40, Arrival, "40 readings");
        Dictionary<string, List<ulong>> times = receiver.VitalsTimes();
        ulong[] expected = [.. Enumerable.Range(0, 20).Select(AgentSetup.TimeMs)];
        Assert.Equal(expected, times["mon-1"]);
        Assert.Equal(expected, times["mon-2"]);
        Assert.Empty(receiver.Errors);

        // The patient travels once per device, in its retained patient context; the sets carry the context number.
        Assert.All(setup.DeviceNames, d => Assert.Single(receiver.Opened, o => o.Device == d && o.Kind == Payloads.Clinical.V1.ClinicalPayload.KindOneofCase.PatientContext));
    }

    [Fact]
    public async Task HttpInput_BadJsonUnknownDeviceTooLarge_ClearErrorsCountedAgentContinues()
    {
        await using BrokerProcess broker = await BrokerProcess.StartAsync();
        using var setup = new AgentSetup(1, broker.Ports.Mqtt);
        setup.Set("Inputs", "HttpMaxBodyBytes", 4096);
        await using TestReceiver receiver = await TestReceiver.StartAsync(broker.Ports.Mqtt, setup.Consumer, setup.Trust);
        await using AgentProcess agent = await AgentProcess.StartAsync(setup);

        (HttpStatusCode status, JsonElement body) = await agent.PostAsync(["{\"device\":\"mon-1\",\"vitals\":"]);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("line 1: reading: not valid JSON", body.GetProperty("error").GetString(), StringComparison.Ordinal);

        (status, body) = await agent.PostAsync([AgentSetup.Vitals("mon-1", 0), AgentSetup.Vitals("mon-9", 1)]);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("line 2: reading: unknown device 'mon-9'", body.GetProperty("error").GetString(), StringComparison.Ordinal);

        (status, body) = await agent.PostAsync([.. Enumerable.Range(0, 40).Select(i => AgentSetup.Vitals("mon-1", i))]);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, status);
        Assert.Contains("Agent:Inputs:HttpMaxBodyBytes", body.GetProperty("error").GetString(), StringComparison.Ordinal);

        // Still running: a good reading is accepted and arrives; nothing of the refused requests was stored.
        Assert.Single(await agent.AcceptAsync([AgentSetup.Vitals("mon-1", 100)]));
        await receiver.WaitForAsync(r => r.VitalsCount() == 1, Arrival, "the good reading");
        Assert.Equal([AgentSetup.TimeMs(100)], receiver.VitalsTimes()["mon-1"]);
        JsonElement agentStatus = await agent.StatusAsync();
        Assert.Equal(3, agentStatus.GetProperty("rejected").GetProperty("http").GetInt64());
        Assert.Equal(1, agentStatus.GetProperty("accepted").GetInt64());
    }

    [Fact]
    public async Task SocketInput_BadLineBetweenGoodOnes_ReplyPerLineCountedConnectionContinues()
    {
        await using BrokerProcess broker = await BrokerProcess.StartAsync();
        using var setup = new AgentSetup(1, broker.Ports.Mqtt);
        string socketPath = Path.Combine(setup.Directory, "readings.sock");
        setup.Set("Inputs", "SocketPath", socketPath);
        setup.Set("Inputs", "MaxLineBytes", 1024);
        await using TestReceiver receiver = await TestReceiver.StartAsync(broker.Ports.Mqtt, setup.Consumer, setup.Trust);
        await using AgentProcess agent = await AgentProcess.StartAsync(setup);

        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath));
        await using var stream = new NetworkStream(socket);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        string lines = AgentSetup.Vitals("mon-1", 0) + "\n" + "{\"device\":\"mon-1\",\"vitals\":{\"heart_rat\":72}}\n" + new string('x', 3000) + "\n" + AgentSetup.Vitals("mon-1", 1) + "\n";
        await stream.WriteAsync(Encoding.UTF8.GetBytes(lines));

        JsonElement[] replies = new JsonElement[4];
        for (int i = 0; i < replies.Length; i++)
        {
            string line = (await reader.ReadLineAsync().WaitAsync(Arrival))!;
            replies[i] = JsonDocument.Parse(line).RootElement.Clone();
        }

        Assert.True(replies[0].GetProperty("ok").GetBoolean());
        Assert.False(replies[1].GetProperty("ok").GetBoolean());
        Assert.Contains("heart_rat", replies[1].GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.False(replies[2].GetProperty("ok").GetBoolean());
        Assert.Contains("longer than 1024 bytes", replies[2].GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.True(replies[3].GetProperty("ok").GetBoolean());
        Assert.True(replies[3].GetProperty("id").GetInt64() > replies[0].GetProperty("id").GetInt64());

        await receiver.WaitForAsync(r => r.VitalsCount() == 2, Arrival, "the two good readings");
        Assert.Equal([AgentSetup.TimeMs(0), AgentSetup.TimeMs(1)], receiver.VitalsTimes()["mon-1"]);
        Assert.Equal(2, (await agent.StatusAsync()).GetProperty("rejected").GetProperty("socket").GetInt64());
    }

    [Fact]
    public async Task StdinInput_BadLineThenGood_RepliesOnStdoutCountedAgentContinues()
    {
        await using BrokerProcess broker = await BrokerProcess.StartAsync();
        using var setup = new AgentSetup(1, broker.Ports.Mqtt);
        setup.Set("Inputs", "Stdin", true);
        await using TestReceiver receiver = await TestReceiver.StartAsync(broker.Ports.Mqtt, setup.Consumer, setup.Trust);
        await using AgentProcess agent = await AgentProcess.StartAsync(setup);

        await agent.Input.WriteAsync("not json\n" + AgentSetup.Vitals("mon-1", 5) + "\n");
        await agent.Input.FlushAsync();
        string bad = await agent.Output.WaitForLineAsync(l => l.Contains("\"ok\":false", StringComparison.Ordinal), Arrival);
        Assert.Contains("not valid JSON", bad, StringComparison.Ordinal);
        await agent.Output.WaitForLineAsync(l => l.Contains("\"ok\":true", StringComparison.Ordinal), Arrival);
        await receiver.WaitForAsync(r => r.VitalsCount() == 1, Arrival, "the good reading");
        Assert.Equal(1, (await agent.StatusAsync()).GetProperty("rejected").GetProperty("stdin").GetInt64());
    }
}
