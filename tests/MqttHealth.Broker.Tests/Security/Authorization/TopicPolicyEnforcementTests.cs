using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using MqttHealth.Broker.Audit;
using MqttHealth.Broker.Security.Authentication;
using MqttHealth.Broker.Security.Authorization;
using MqttHealth.Broker.Tests.Infrastructure;
using MqttHealth.Mqtt.Packets;
using MqttHealth.Mqtt.Protocol;

namespace MqttHealth.Broker.Tests.Security.Authorization;

/// <summary>
/// The topic policy enforced by the engine over loopback: a bedside device, a nurse station and an admin, with the
/// policy of docs/authorization.md cut down. Something "not delivered" is shown by a marker message sent after it
/// arriving first, never by waiting.
/// </summary>
public sealed class TopicPolicyEnforcementTests : IAsyncLifetime, IDisposable
{
    private const string Policy = """
        {
          "roles": {
            "device": { "rules": [
              { "effect": "allow", "actions": ["publish"], "topics": ["mh/v1/{attr:facility}/{attr:unit}/{attr:device}/+"] },
              { "effect": "allow", "actions": ["publish", "retain"], "topics": ["mh/v1/{attr:facility}/{attr:unit}/{attr:device}/status"] },
              { "effect": "allow", "actions": ["subscribe"], "topics": ["mh/v1/{attr:facility}/{attr:unit}/{attr:device}/cmd"] }
            ] },
            "nurse": { "rules": [
              { "effect": "allow", "actions": ["subscribe"], "topics": ["mh/v1/{attr:facility}/{attr:unit}/#"] },
              { "effect": "allow", "actions": ["publish"], "topics": ["mh/v1/{attr:facility}/{attr:unit}/+/cmd"] }
            ] },
            "admin": { "rules": [ { "effect": "allow", "actions": ["publish", "subscribe", "retain"], "topics": ["#"] } ] }
          }
        }
        """;

    private readonly TempDataDirectory _data = new();
    private readonly PolicyStore _policy = new(AuthorizationPolicy.Parse(Policy, "test policy"));
    private ConnectAuthenticator? _authenticator;
    private AuditLog? _audit;
    private InProcessBroker? _broker;

    private int Port => _broker!.Port;

    public Task InitializeAsync()
    {
        var hasher = new PasswordHasher(1000);
        string usersFile = Path.Combine(_data.Path, UserStore.DefaultFileName);
        UserStore.Save(usersFile,
        [
            new StoredUser("dev42", hasher.Hash("pw"u8), ["device"], new Dictionary<string, string> { ["facility"] = "f1", ["unit"] = "u1", ["device"] = "dev42" }),
            new StoredUser("station-u1", hasher.Hash("pw"u8), ["nurse"], new Dictionary<string, string> { ["facility"] = "f1", ["unit"] = "u1" }),
            new StoredUser("ops", hasher.Hash("pw"u8), ["admin"], new Dictionary<string, string>()),
        ]);
        _authenticator = new ConnectAuthenticator(UserStore.Open(usersFile), hasher, NullLogger<ConnectAuthenticator>.Instance);
        _audit = AuditLog.Open(_data.Path, new AuditOptions(), NullLogger<AuditLog>.Instance);
        _broker = InProcessBroker.Start(o => o.AllowAnonymous = false, authenticator: _authenticator, policy: _policy, audit: _audit);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _broker!.DisposeAsync();
        await _audit!.DisposeAsync();
    }

    public void Dispose()
    {
        _authenticator?.Dispose();
        _data.Dispose();
    }

    [Theory]
    [InlineData(MqttProtocolVersion.V500)]
    [InlineData(MqttProtocolVersion.V311)]
    public async Task Device_PublishesOnlyUnderItsOwnTopics(MqttProtocolVersion version)
    {
        await using var station = await ConnectAsync("station-u1", "nurse-1", MqttProtocolVersion.V500);
        Assert.Equal(QualityOfService.AtLeastOnce, (QualityOfService)(await station.SubscribeAsync("mh/v1/f1/u1/#", QualityOfService.AtLeastOnce)).ReasonCodes[0]);
        await using var device = await ConnectAsync("dev42", "dev42-" + version, version);

        PubAckPacket foreign = await PublishAsync(device, "mh/v1/f1/u1/dev43/vitals", "forged", packetId: 1);
        PubAckPacket own = await PublishAsync(device, "mh/v1/f1/u1/dev42/vitals", "real", packetId: 2);

        // 5.0 says no; 3.1.1 cannot, so the broker acknowledges and drops, as Mosquitto does.
        Assert.Equal(version == MqttProtocolVersion.V500 ? ReasonCode.NotAuthorized : ReasonCode.Success, foreign.ReasonCode);
        Assert.Equal(ReasonCode.Success, own.ReasonCode);
        PublishPacket first = await station.ExpectPublishAsync();
        Assert.Equal("mh/v1/f1/u1/dev42/vitals", first.Topic);
    }

    [Theory]
    [InlineData("mh/#")]
    [InlineData("#")]
    [InlineData("mh/v1/+/u1/dev42/#")]
    [InlineData("mh/v1/f1/u1/dev42/#")]
    [InlineData("$share/g/mh/v1/f1/u1/dev42/#")]
    [InlineData("$SYS/#")]
    public async Task Device_SubscribingWiderThanItsCommandTopic_IsRefused(string filter)
    {
        foreach (var version in new[] { MqttProtocolVersion.V500, MqttProtocolVersion.V311 })
        {
            await using var device = await ConnectAsync("dev42", "dev42-" + version, version);

            SubAckPacket refused = await device.SubscribeAsync(filter, QualityOfService.AtLeastOnce);
            SubAckPacket own = await device.SubscribeAsync(new MqttSubscription("mh/v1/f1/u1/dev42/cmd", QualityOfService.AtLeastOnce), packetId: 2);

            Assert.Equal(version == MqttProtocolVersion.V500 ? ReasonCode.NotAuthorized : ReasonCode.UnspecifiedError, refused.ReasonCodes[0]);
            Assert.Equal((ReasonCode)QualityOfService.AtLeastOnce, own.ReasonCodes[0]);
        }
    }

    [Fact]
    public async Task Will_OutsideTheDevicesTopics_RefusesTheConnect()
    {
        await using var device = await RawMqttConnection.OpenAsync(Port, MqttProtocolVersion.V500);
        ConnectPacket connect = RawMqttConnection.ConnectWithPassword("dev42-will", "dev42", "pw");
        connect.Will = new MqttWill { Topic = "mh/v1/f1/u1/dev43/alarms", Payload = "offline"u8.ToArray(), QoS = QualityOfService.AtLeastOnce };

        ConnAckPacket connack = await device.ConnectAsync(connect);

        Assert.Equal(ReasonCode.NotAuthorized, connack.ReasonCode);
    }

    [Fact]
    public async Task RetainedMessage_OfAnotherUnit_IsNotReadThroughANewSubscription()
    {
        await using (var ops = await ConnectAsync("ops", "ops-1", MqttProtocolVersion.V500))
        {
            // Accepted (0x10 No matching subscribers: nobody is subscribed yet), and retained.
            Assert.Equal(ReasonCode.NoMatchingSubscribers, (await PublishAsync(ops, "mh/v1/f1/u2/dev7/status", "u2 device", packetId: 1, retain: true)).ReasonCode);
            Assert.Equal(ReasonCode.NoMatchingSubscribers, (await PublishAsync(ops, "mh/v1/f1/u1/dev42/status", "u1 device", packetId: 2, retain: true)).ReasonCode);
        }

        await using var station = await ConnectAsync("station-u1", "nurse-2", MqttProtocolVersion.V500);
        SubAckPacket wide = await station.SubscribeAsync("mh/v1/f1/+/+/status", QualityOfService.AtLeastOnce);
        SubAckPacket own = await station.SubscribeAsync(new MqttSubscription("mh/v1/f1/u1/+/status", QualityOfService.AtLeastOnce), packetId: 2);

        Assert.Equal(ReasonCode.NotAuthorized, wide.ReasonCodes[0]);
        Assert.Equal((ReasonCode)QualityOfService.AtLeastOnce, own.ReasonCodes[0]);
        PublishPacket retained = await station.ExpectPublishAsync();
        Assert.Equal("mh/v1/f1/u1/dev42/status", retained.Topic);
    }

    [Fact]
    public async Task ReloadedPolicy_StopsDeliveryOnASubscriptionItNoLongerAllows()
    {
        await using var station = await ConnectAsync("station-u1", "nurse-3", MqttProtocolVersion.V500);
        await station.SubscribeAsync("mh/v1/f1/u1/#", QualityOfService.AtLeastOnce);
        await using var ops = await ConnectAsync("ops", "ops-2", MqttProtocolVersion.V500);

        // The nurse role loses the unit's alarms.
        _policy.Replace(AuthorizationPolicy.Parse(Policy.Replace(
            """{ "effect": "allow", "actions": ["subscribe"], "topics": ["mh/v1/{attr:facility}/{attr:unit}/#"] },""",
            """{ "effect": "allow", "actions": ["subscribe"], "topics": ["mh/v1/{attr:facility}/{attr:unit}/#"] }, { "effect": "deny", "actions": ["subscribe"], "topics": ["mh/v1/{attr:facility}/{attr:unit}/+/alarms"] },""",
            StringComparison.Ordinal), "reloaded policy"));

        await PublishAsync(ops, "mh/v1/f1/u1/dev42/alarms", "no longer for the station", packetId: 1);
        await PublishAsync(ops, "mh/v1/f1/u1/dev42/vitals", "marker", packetId: 2);

        PublishPacket first = await station.ExpectPublishAsync();
        Assert.Equal("mh/v1/f1/u1/dev42/vitals", first.Topic);
    }

    [Fact]
    public async Task ClientIdOfAnotherPrincipal_IsNotTakenOver_ButItsOwnerMayTakeItOver()
    {
        await using var owner = await ConnectAsync("dev42", "bedside-7", MqttProtocolVersion.V500);

        await using var other = await RawMqttConnection.OpenAsync(Port, MqttProtocolVersion.V500);
        ConnAckPacket refused = await other.ConnectAsync(RawMqttConnection.ConnectWithPassword("bedside-7", "station-u1", "pw"));
        Assert.Equal(ReasonCode.NotAuthorized, refused.ReasonCode);
        await owner.SendAsync(PingReqPacket.Instance);
        await owner.ExpectAsync<PingRespPacket>(); // untouched

        await using var again = await RawMqttConnection.OpenAsync(Port, MqttProtocolVersion.V500);
        ConnAckPacket accepted = await again.ConnectAsync(RawMqttConnection.ConnectWithPassword("bedside-7", "dev42", "pw"));
        Assert.Equal(ReasonCode.Success, accepted.ReasonCode);
        await owner.ExpectDisconnectAndCloseAsync(ReasonCode.SessionTakenOver);
    }

    [Fact]
    public async Task Refusals_AreInTheAuditTrail_WithTheRuleAndThePayloadHashButNotThePayload()
    {
        await using (var device = await ConnectAsync("dev42", "dev42-audit", MqttProtocolVersion.V500))
        {
            await PublishAsync(device, "mh/v1/f1/u1/dev43/vitals", "secret-marker", packetId: 1);
            await device.SubscribeAsync("mh/#", QualityOfService.AtLeastOnce);
        }

        await _audit!.FlushAsync();
        var export = new StringWriter();
        AuditExporter.Export(_data.Path, export);
        string text = export.ToString();

        Assert.DoesNotContain("secret-marker", text, StringComparison.Ordinal);
        Assert.Contains("\"kind\":\"PublishDenied\"", text, StringComparison.Ordinal);
        Assert.Contains("\"topic\":\"mh/v1/f1/u1/dev43/vitals\"", text, StringComparison.Ordinal);
        Assert.Contains(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData("secret-marker"u8)), text, StringComparison.Ordinal);
        Assert.Contains("\"kind\":\"SubscribeDenied\"", text, StringComparison.Ordinal);
        Assert.Contains("default deny", text, StringComparison.Ordinal);
    }

    private async Task<RawMqttConnection> ConnectAsync(string user, string clientId, MqttProtocolVersion version) =>
        await RawMqttConnection.ConnectedAsync(Port, RawMqttConnection.ConnectWithPassword(clientId, user, "pw", version));

    private static async Task<PubAckPacket> PublishAsync(RawMqttConnection client, string topic, string payload, ushort packetId, bool retain = false)
    {
        await client.SendAsync(new PublishPacket { Topic = topic, Payload = Encoding.UTF8.GetBytes(payload), QoS = QualityOfService.AtLeastOnce, PacketId = packetId, Retain = retain });
        return await client.ExpectAsync<PubAckPacket>();
    }
}
