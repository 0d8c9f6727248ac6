using System.Text.Json;
using MqttHealth.Broker.Testing;
using MqttHealth.EdgeAgent.Tests.Infrastructure;

namespace MqttHealth.EdgeAgent.Tests;

/// <summary>Configuration errors stop the agent before it starts (exit 2, the setting named); the status command reads the database.</summary>
public sealed class EdgeAgentConfigurationTests
{
    private static readonly TimeSpan Exit = TimeSpan.FromSeconds(30);

    [Theory]
    [InlineData("--Agent:Broker:Portt=1883", "Portt")]
    [InlineData("--Agent:Broker:Port=abc", "Agent:Broker:Port")]
    [InlineData("--Agent:Broker:AlarmQos=0", "Agent:Broker:AlarmQos must be 1 or 2")]
    [InlineData("--Agent:Inputs:HttpBindAddress=0.0.0.0", "Agent:Inputs:HttpBindAddress must be a loopback address")]
    [InlineData("--Agent:Identity:Devices:0:Key=/nonexistent/key.pem", "Agent:Identity:Devices:0:Key '/nonexistent/key.pem' does not exist")]
    [InlineData("--frobnicate", "unknown option '--frobnicate'")]
    [InlineData("--simulate=2", "Agent:Simulator:Devices (--simulate) must be between 0 (off) and the number of configured devices (1), not 2")]
    [InlineData("--Agent:Simulator:Profiles:0=sleepy", "Agent:Simulator:Profiles: unknown profile 'sleepy'")]
    public async Task BadConfiguration_Exit2AndTheSettingNamed(string argument, string expected)
    {
        using var setup = new AgentSetup(1, FreePorts.Allocate());
        await using AgentProcess agent = AgentProcess.Launch(["--config", setup.ConfigPath, argument]);
        Assert.Equal(2, await agent.WaitForExitAsync(Exit));
        Assert.Contains(expected, agent.Log.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task BadConfiguration_FromEnvironment_Exit2AndTheSettingNamed()
    {
        using var setup = new AgentSetup(1, FreePorts.Allocate());
        await using AgentProcess agent = AgentProcess.Launch(["--config", setup.ConfigPath], environment: new Dictionary<string, string> { ["MQTTHEALTH_AGENT__BATCHING__MAXBATCHSETS"] = "0" });
        Assert.Equal(2, await agent.WaitForExitAsync(Exit));
        Assert.Contains("Agent:Batching:MaxBatchSets must be between 1 and 10000, not 0", agent.Log.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task BadConfiguration_WrongPassphrase_Exit2NamingTheDevice()
    {
        using var setup = new AgentSetup(1, FreePorts.Allocate());
        File.WriteAllText(Path.Combine(setup.Directory, "pass"), "wrong\n");
        await using AgentProcess agent = AgentProcess.Launch(["--config", setup.ConfigPath]);
        Assert.Equal(2, await agent.WaitForExitAsync(Exit));
        Assert.Contains("Agent:Identity:Devices:0: cannot load the identity", agent.Log.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task StatusCommand_AfterTheAgentStopped_PrintsQueueCountersAndLinkFromTheDatabase()
    {
        using var setup = new AgentSetup(1, FreePorts.Allocate()); // nothing listens there: the readings stay queued
        await using (AgentProcess agent = await AgentProcess.StartAsync(setup))
        {
            await agent.AcceptAsync([AgentSetup.Vitals("mon-1", 0), AgentSetup.Alarm("mon-1", 1, 3)]);
            await agent.WaitForStatusAsync(s => s.GetProperty("queue").GetProperty("readings").GetProperty("alarm").GetInt64() == 1, Exit, "the alarm sealed");
            int code = await agent.StopAsync();
            Assert.True(code == 0, $"exit {code}: {agent.Log}");
        }

        await using AgentProcess status = AgentProcess.Launch(["status", "--config", setup.ConfigPath]);
        Assert.Equal(0, await status.WaitForExitAsync(Exit));
        string printed = string.Join("\n", status.Output.Lines);
        JsonElement document = JsonDocument.Parse(printed).RootElement;
        Assert.True(document.GetProperty("accepted").GetInt64() == 2, printed);
        Assert.Equal(2, document.GetProperty("accepted").GetInt64());
        Assert.Equal(1, document.GetProperty("queue").GetProperty("readings").GetProperty("alarm").GetInt64());
        Assert.Equal(1, document.GetProperty("queue").GetProperty("readings").GetProperty("vitals").GetInt64());
        Assert.NotEqual(JsonValueKind.Null, document.GetProperty("queue").GetProperty("oldestUnsent").ValueKind);
        Assert.Equal("stopped", document.GetProperty("link").GetProperty("state").GetString());
        Assert.Equal(0, document.GetProperty("sent").GetProperty("readings").GetInt64());
    }
}
