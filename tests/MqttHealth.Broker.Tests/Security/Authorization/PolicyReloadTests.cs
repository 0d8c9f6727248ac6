using Microsoft.Extensions.Logging.Abstractions;
using MqttHealth.Broker.Security.Authentication;
using MqttHealth.Broker.Security.Authorization;
using MqttHealth.Broker.Tests.Infrastructure;
using MqttHealth.Mqtt.Packets;
using MqttHealth.Mqtt.Protocol;

namespace MqttHealth.Broker.Tests.Security.Authorization;

/// <summary>
/// The policy file edited while the broker runs: the broker notices it (its sweep looks at the file once a second),
/// removes the live subscriptions the new policy refuses and tells MQTT 5 clients with DISCONNECT 0x87; a file that
/// does not parse leaves the old policy in force.
/// </summary>
public sealed class PolicyReloadTests : IAsyncLifetime, IDisposable
{
    private static readonly TimeSpan ReloadTimeout = TimeSpan.FromSeconds(10);

    private const string UnitPolicy = """
        { "roles": { "nurse": { "rules": [
          { "effect": "allow", "actions": ["subscribe"], "topics": ["mh/v1/f1/u1/#"] },
          { "effect": "allow", "actions": ["publish"], "topics": ["mh/v1/f1/u1/+/cmd"] }
        ] } } }
        """;

    private readonly TempDataDirectory _data = new();
    private ConnectAuthenticator? _authenticator;
    private InProcessBroker? _broker;

    private string PolicyPath => Path.Combine(_data.Path, "policy.json");

    public Task InitializeAsync()
    {
        var hasher = new PasswordHasher(1000);
        string usersFile = Path.Combine(_data.Path, UserStore.DefaultFileName);
        UserStore.Save(usersFile, [new StoredUser("alice", hasher.Hash("pw"u8), ["nurse"], new Dictionary<string, string>())]);
        _authenticator = new ConnectAuthenticator(UserStore.Open(usersFile), hasher, NullLogger<ConnectAuthenticator>.Instance);
        File.WriteAllText(PolicyPath, UnitPolicy);
        _broker = InProcessBroker.Start(o => o.AllowAnonymous = false, authenticator: _authenticator, policy: PolicyStore.Load(PolicyPath));
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _broker!.DisposeAsync();

    public void Dispose()
    {
        _authenticator?.Dispose();
        _data.Dispose();
    }

    [Fact]
    public async Task EditedPolicy_RemovesTheSubscriptionsItRefuses_AndTellsTheV5Client()
    {
        await using var station = await ConnectAsync("station-1", MqttProtocolVersion.V500);
        Assert.Equal((ReasonCode)QualityOfService.AtLeastOnce, (await station.SubscribeAsync("mh/v1/f1/u1/#", QualityOfService.AtLeastOnce)).ReasonCodes[0]);
        await WaitUntilTheBrokerHasSeenTheFileAsync(station);

        File.WriteAllText(PolicyPath, UnitPolicy.Replace("mh/v1/f1/u1/#", "mh/v1/f1/u1/+/vitals", StringComparison.Ordinal));

        DisconnectPacket disconnect = await station.ExpectDisconnectAndCloseAsync(ReasonCode.NotAuthorized, ReloadTimeout);
        Assert.Contains("mh/v1/f1/u1/#", disconnect.Properties?.ReasonString, StringComparison.Ordinal);

        await using var again = await ConnectAsync("station-1", MqttProtocolVersion.V500);
        Assert.Equal(ReasonCode.NotAuthorized, (await again.SubscribeAsync("mh/v1/f1/u1/#", QualityOfService.AtLeastOnce)).ReasonCodes[0]);
        Assert.Equal((ReasonCode)QualityOfService.AtLeastOnce, (await again.SubscribeAsync(new MqttSubscription("mh/v1/f1/u1/+/vitals", QualityOfService.AtLeastOnce), packetId: 2)).ReasonCodes[0]);
    }

    [Fact]
    public async Task PolicyFileThatDoesNotParse_LeavesThePolicyInForce()
    {
        await using var station = await ConnectAsync("station-2", MqttProtocolVersion.V500);
        await WaitUntilTheBrokerHasSeenTheFileAsync(station);

        File.WriteAllText(PolicyPath, "{ \"roles\": { \"nurse\": ");

        // Still subscribed under the old policy, and still allowed to subscribe: a ping round trip after the sweep
        // has had several chances to look at the file shows the connection was not closed.
        Assert.Equal((ReasonCode)QualityOfService.AtLeastOnce, (await station.SubscribeAsync("mh/v1/f1/u1/#", QualityOfService.AtLeastOnce)).ReasonCodes[0]);
        await SeveralPolicyChecksAsync();
        await station.SendAsync(PingReqPacket.Instance);
        await station.ExpectAsync<PingRespPacket>();
    }

    /// <summary>The broker takes the file's size and time as its baseline at its first look; an edit before that would not count as one.</summary>
    private async Task WaitUntilTheBrokerHasSeenTheFileAsync(RawMqttConnection client)
    {
        await SeveralPolicyChecksAsync();
        await client.SendAsync(PingReqPacket.Instance);
        await client.ExpectAsync<PingRespPacket>();
    }

    /// <summary>Two whole looks at the file after this call (the first may have begun before it).</summary>
    private async Task SeveralPolicyChecksAsync()
    {
        for (int i = 0; i < 3; i++)
        {
            await _broker!.Broker.NextPolicyCheckAsync().WaitAsync(ReloadTimeout);
        }
    }

    private Task<RawMqttConnection> ConnectAsync(string clientId, MqttProtocolVersion version) =>
        RawMqttConnection.ConnectedAsync(_broker!.Port, RawMqttConnection.ConnectWithPassword(clientId, "alice", "pw", version));
}
