using MqttHealth.Broker.Hosting;
using MqttHealth.Broker.Testing;
using MqttHealth.Broker.Tests.Infrastructure;
using MqttHealth.Mqtt.Packets;
using MqttHealth.Mqtt.Protocol;

namespace MqttHealth.Broker.Tests.Security.Authorization;

/// <summary>The real executable with <c>policy.json</c> in its data directory: enforced from the start; a bad file stops the start.</summary>
public sealed class PolicyFileProcessTests
{
    private static readonly TimeSpan ExitTimeout = TimeSpan.FromSeconds(30);

    private const string NursePolicy = """
        { "roles": { "nurse": { "rules": [ { "effect": "allow", "actions": ["subscribe"], "topics": ["mh/v1/f1/u1/#"] } ] } } }
        """;

    [Fact]
    public async Task PolicyJsonInTheDataDirectory_IsEnforcedFromTheStart()
    {
        await using BrokerProcess broker = await BrokerCli.StartWithUserAsync("alice", "pw", "nurse", dir => File.WriteAllText(Path.Combine(dir, "policy.json"), NursePolicy));
        await using var station = await RawMqttConnection.ConnectedAsync(broker.Ports.Mqtt, RawMqttConnection.ConnectWithPassword("station-1", "alice", "pw"));

        SubAckPacket own = await station.SubscribeAsync("mh/v1/f1/u1/#", QualityOfService.AtLeastOnce);
        SubAckPacket other = await station.SubscribeAsync(new MqttSubscription("mh/v1/f1/u2/#", QualityOfService.AtLeastOnce), packetId: 2);

        Assert.Equal((ReasonCode)QualityOfService.AtLeastOnce, own.ReasonCodes[0]);
        Assert.Equal(ReasonCode.NotAuthorized, other.ReasonCodes[0]);
        await broker.Output.WaitForLineContainingAsync("[1021]", ExitTimeout);
    }

    [Fact]
    public async Task Start_PolicyWithAnUnknownAction_ExitCode2NamingTheFileAndThePlace()
    {
        await using BrokerProcess broker = BrokerProcess.Launch(new BrokerProcessOptions
        {
            AllowAnonymous = false,
            InMemoryStorage = true,
            TlsAndWebSocket = false,
            PrepareDataDirectory = dir => File.WriteAllText(Path.Combine(dir, "policy.json"), NursePolicy.Replace("\"subscribe\"", "\"sub\"", StringComparison.Ordinal)),
        });

        int exitCode = await broker.WaitForExitAsync(ExitTimeout);

        Assert.Equal(BrokerExitCodes.BadConfiguration, exitCode);
        Assert.Contains(broker.Output.Lines, l => l.Contains("policy.json", StringComparison.Ordinal) && l.Contains("actions", StringComparison.Ordinal) && l.Contains("\"sub\"", StringComparison.Ordinal));
    }
}
