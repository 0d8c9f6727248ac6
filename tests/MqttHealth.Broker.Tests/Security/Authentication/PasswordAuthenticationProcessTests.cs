using MqttHealth.Broker.Hosting;
using MqttHealth.Broker.Testing;
using MqttHealth.Broker.Tests.Infrastructure;
using MqttHealth.Mqtt.Packets;
using MqttHealth.Mqtt.Protocol;

namespace MqttHealth.Broker.Tests.Security.Authentication;

/// <summary>
/// The real executable: <c>users add</c> run as a process (password on stdin), then the broker started without
/// <c>--allow-anonymous</c>; and a corrupt users file stopping the start with exit code 2.
/// </summary>
public sealed class PasswordAuthenticationProcessTests
{
    private static readonly TimeSpan ExitTimeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task UserAddedWithTheCli_ConnectsToTheRunningBroker_OthersAreRefused()
    {
        await using BrokerProcess broker = await BrokerCli.StartWithUserAsync("alice", "right-password", "nurse");
        int port = broker.Ports.Mqtt;

        // The right password first for both versions: after a failure, alice and 127.0.0.1 back off (1 s, then doubling)
        // and every attempt inside the back-off gets the same refusal as a wrong password.
        foreach (var version in new[] { MqttProtocolVersion.V500, MqttProtocolVersion.V311 })
        {
            await using var good = await RawMqttConnection.ConnectedAsync(port, RawMqttConnection.ConnectWithPassword("ok-" + version, "alice", "right-password", version));
        }

        foreach (var version in new[] { MqttProtocolVersion.V500, MqttProtocolVersion.V311 })
        {
            ConnAckPacket wrong = await RawMqttConnection.RefusedAsync(port, RawMqttConnection.ConnectWithPassword("w-" + version, "alice", "wrong", version));
            ConnAckPacket unknown = await RawMqttConnection.RefusedAsync(port, RawMqttConnection.ConnectWithPassword("u-" + version, "nobody", "right-password", version));
            ConnAckPacket anonymous = await RawMqttConnection.RefusedAsync(port, RawMqttConnection.Connect("a-" + version, version));

            Assert.Equal(ReasonCode.BadUserNameOrPassword, wrong.ReasonCode);
            Assert.Equal(ReasonCode.BadUserNameOrPassword, unknown.ReasonCode);
            Assert.Equal(wrong.Properties?.ReasonString, unknown.Properties?.ReasonString);
            Assert.Equal(ReasonCode.NotAuthorized, anonymous.ReasonCode);
        }

        await broker.Output.WaitForLineContainingAsync("[5001]", ExitTimeout);
        await broker.Output.WaitForLineContainingAsync("[5002]", ExitTimeout);
        await broker.Output.WaitForLineContainingAsync("[5006]", ExitTimeout); // "nobody" right after the failure, from the same address
        Assert.DoesNotContain(broker.Output.Lines, l => l.Contains("right-password", StringComparison.Ordinal)); // passwords are never logged
    }

    [Fact]
    public async Task Start_CorruptUsersFile_ExitCode2NamingTheFile()
    {
        await using BrokerProcess broker = BrokerProcess.Launch(new BrokerProcessOptions
        {
            AllowAnonymous = false,
            InMemoryStorage = true,
            TlsAndWebSocket = false,
            PrepareDataDirectory = dir => File.WriteAllText(Path.Combine(dir, "users.json"), "{ \"users\": [ {"),
        });

        int exitCode = await broker.WaitForExitAsync(ExitTimeout);

        Assert.Equal(BrokerExitCodes.BadConfiguration, exitCode);
        string expectedFile = Path.Combine(broker.DataDirectory, "users.json");
        Assert.Contains(broker.Output.Lines, l => l.StartsWith("mqtthealth-broker: users file '", StringComparison.Ordinal) && l.Contains(expectedFile, StringComparison.Ordinal));
    }
}
