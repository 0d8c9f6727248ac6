using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using MqttHealth.Broker.Security.Authentication;
using MqttHealth.Broker.Security.Authorization;
using MqttHealth.Broker.Tests.Infrastructure;
using MqttHealth.Mqtt.Packets;
using MqttHealth.Mqtt.Protocol;

namespace MqttHealth.Broker.Tests.Security;

/// <summary>
/// The adversarial suite of issue 5 against the broker on loopback (authenticator, policy file, engine, codec): each
/// test tries to get more than the policy grants and shows both the refusal the client sees and that nothing reached
/// it. "Nothing arrived" is shown by a marker sent after the forbidden message arriving first, or by a PINGRESP
/// coming next, never by waiting. The policy engine alone is tested in Authorization/AdversarialAuthorizationTests.
/// </summary>
public sealed class AdversarialEndToEndTests : IAsyncLifetime, IDisposable
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
            "auditor": { "rules": [
              { "effect": "allow", "actions": ["subscribe"], "topics": ["mh/v1/f1/#"] },
              { "effect": "deny", "actions": ["subscribe"], "topics": ["mh/v1/f1/+/+/alarms"] }
            ] },
            "integrator": { "rules": [ { "effect": "allow", "actions": ["publish", "subscribe", "retain"], "topics": ["#"] } ] },
            "admin": { "rules": [ { "effect": "allow", "actions": ["publish", "subscribe", "retain"], "topics": ["#"] } ] }
          }
        }
        """;

    private const string OwnCommand = "mh/v1/f1/u1/dev42/cmd";
    private const string OtherCommand = "mh/v1/f1/u1/dev43/cmd";
    private const int MaxTopicLength = 64;
    private const int MaxTopicLevels = 8;

    private static readonly TimeSpan ReloadTimeout = TimeSpan.FromSeconds(10);

    private readonly TempDataDirectory _data = new();
    private ConnectAuthenticator? _authenticator;
    private InProcessBroker? _broker;

    private int Port => _broker!.Port;

    private string PolicyPath => Path.Combine(_data.Path, "policy.json");

    public Task InitializeAsync()
    {
        var hasher = new PasswordHasher(1000);
        string usersFile = Path.Combine(_data.Path, UserStore.DefaultFileName);
        UserStore.Save(usersFile,
        [
            new StoredUser("dev42", hasher.Hash("pw"u8), ["device"], new Dictionary<string, string> { ["facility"] = "f1", ["unit"] = "u1", ["device"] = "dev42" }),
            new StoredUser("station-u1", hasher.Hash("pw"u8), ["nurse"], new Dictionary<string, string> { ["facility"] = "f1", ["unit"] = "u1" }),
            new StoredUser("auditor-1", hasher.Hash("pw"u8), ["auditor"], new Dictionary<string, string>()),
            new StoredUser("integrator", hasher.Hash("pw"u8), ["integrator"], new Dictionary<string, string>()),
            new StoredUser("ops", hasher.Hash("pw"u8), ["admin"], new Dictionary<string, string>()),
        ]);
        _authenticator = new ConnectAuthenticator(UserStore.Open(usersFile), hasher, NullLogger<ConnectAuthenticator>.Instance);
        File.WriteAllText(PolicyPath, Policy);
        _broker = InProcessBroker.Start(
            o =>
            {
                o.AllowAnonymous = false;
                o.Limits.MaxTopicLength = MaxTopicLength;
                o.Limits.MaxTopicLevels = MaxTopicLevels;
            },
            authenticator: _authenticator,
            policy: PolicyStore.Load(PolicyPath));
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _broker!.DisposeAsync();

    public void Dispose()
    {
        _authenticator?.Dispose();
        _data.Dispose();
    }

    [Theory]
    [InlineData(MqttProtocolVersion.V500)]
    [InlineData(MqttProtocolVersion.V311)]
    public async Task WildcardEscalation_DeviceFiltersWiderThanItsCommandTopic_AreRefused_AndDeliverNothing(MqttProtocolVersion version)
    {
        await using var device = await ConnectAsync("dev42", "dev42-wild", version);
        string[] wider = ["mh/#", "#", "+/#", "+/v1/f1/u1/dev42/cmd", "mh/+/f1/u1/dev42/cmd", "mh/v1/f1/u1/+/cmd", "mh/v1/f1/u1/dev42/#", "mh/v1/f1/u1/dev42/+"];

        var refused = new List<ReasonCode>();
        ushort packetId = 1;
        foreach (string filter in wider)
        {
            refused.Add((await device.SubscribeAsync(new MqttSubscription(filter, QualityOfService.AtLeastOnce), packetId: packetId++)).ReasonCodes[0]);
        }

        SubAckPacket own = await device.SubscribeAsync(new MqttSubscription(OwnCommand, QualityOfService.AtLeastOnce), packetId: packetId);
        await using var station = await ConnectAsync("station-u1", "nurse-wild", MqttProtocolVersion.V500);
        await PublishAcknowledgedAsync(station, OtherCommand, "for dev43 only", packetId: 1);
        await PublishAcknowledgedAsync(station, OwnCommand, "marker", packetId: 2);

        Assert.All(refused, code => Assert.Equal(version == MqttProtocolVersion.V500 ? ReasonCode.NotAuthorized : ReasonCode.UnspecifiedError, code));
        Assert.Equal((ReasonCode)QualityOfService.AtLeastOnce, own.ReasonCodes[0]);
        PublishPacket first = await device.ExpectPublishAsync();
        Assert.Equal((OwnCommand, "marker"), (first.Topic, Encoding.UTF8.GetString(first.Payload.Span)));
    }

    [Fact]
    public async Task SharedSubscription_IsCheckedOnItsInnerFilter_SoShareBypassIsRefused_AndDeliversNothing()
    {
        await using var device = await ConnectAsync("dev42", "dev42-share", MqttProtocolVersion.V500);
        string[] bypasses = ["$share/g/mh/#", "$share/g/#", "$share/g/mh/v1/f1/u1/+/cmd", "$share/g/+/v1/f1/u1/dev42/cmd", "$share/mh/v1/f1/u1/dev42/cmd"];

        var refused = new List<ReasonCode>();
        ushort packetId = 1;
        foreach (string filter in bypasses)
        {
            refused.Add((await device.SubscribeAsync(new MqttSubscription(filter, QualityOfService.AtLeastOnce), packetId: packetId++)).ReasonCodes[0]);
        }

        SubAckPacket own = await device.SubscribeAsync(new MqttSubscription("$share/g/" + OwnCommand, QualityOfService.AtLeastOnce), packetId: packetId);
        await using var station = await ConnectAsync("station-u1", "nurse-share", MqttProtocolVersion.V500);
        await PublishAcknowledgedAsync(station, OtherCommand, "for dev43 only", packetId: 1);
        await PublishAcknowledgedAsync(station, OwnCommand, "marker", packetId: 2);

        Assert.All(refused, code => Assert.Equal(ReasonCode.NotAuthorized, code));
        Assert.Equal((ReasonCode)QualityOfService.AtLeastOnce, own.ReasonCodes[0]);
        PublishPacket first = await device.ExpectPublishAsync();
        Assert.Equal((OwnCommand, "marker"), (first.Topic, Encoding.UTF8.GetString(first.Payload.Span)));
    }

    [Fact]
    public async Task DollarSys_NonAdminAllowedEveryTopic_CannotSubscribeOrPublishThere_AndHashDoesNotReachIt()
    {
        _broker!.Broker.PublishSystemMessage("$SYS/broker/version", "1.2.3"u8.ToArray(), retain: true);
        await using (var seed = await ConnectAsync("integrator", "integrator-seed", MqttProtocolVersion.V500))
        {
            await PublishAcknowledgedAsync(seed, "mh/marker", "retained marker", packetId: 1, retain: true);
        }

        await using var integrator = await ConnectAsync("integrator", "integrator-1", MqttProtocolVersion.V500);
        SubAckPacket sys = await integrator.SubscribeAsync(new MqttSubscription("$SYS/#", QualityOfService.AtMostOnce), packetId: 1);
        SubAckPacket sharedSys = await integrator.SubscribeAsync(new MqttSubscription("$share/g/$SYS/#", QualityOfService.AtMostOnce), packetId: 2);
        SubAckPacket exact = await integrator.SubscribeAsync(new MqttSubscription("$SYS/broker/version", QualityOfService.AtMostOnce), packetId: 3);
        SubAckPacket hash = await integrator.SubscribeAsync(new MqttSubscription("#", QualityOfService.AtMostOnce), packetId: 4);
        PublishPacket retainedForHash = await integrator.ExpectPublishAsync();
        await integrator.SendAsync(PingReqPacket.Instance);
        await integrator.ExpectAsync<PingRespPacket>(); // no retained $SYS message came with "#"

        await using var ops = await ConnectAsync("ops", "ops-sys", MqttProtocolVersion.V500);
        SubAckPacket admin = await ops.SubscribeAsync(new MqttSubscription("$SYS/#", QualityOfService.AtMostOnce), packetId: 1);
        PublishPacket retainedForAdmin = await ops.ExpectPublishAsync();
        await integrator.PublishAsync("$SYS/broker/version", "forged", QualityOfService.AtLeastOnce, packetId: 5, retain: true);
        PubAckPacket forged = await integrator.ExpectAsync<PubAckPacket>();
        _broker.Broker.PublishSystemMessage("$SYS/broker/uptime", "7"u8.ToArray(), retain: false);

        Assert.All(new[] { sys, sharedSys, exact }, suback => Assert.Equal(ReasonCode.NotAuthorized, suback.ReasonCodes[0]));
        Assert.Equal(ReasonCode.Success, hash.ReasonCodes[0]);
        Assert.Equal("mh/marker", retainedForHash.Topic);
        Assert.Equal(ReasonCode.Success, admin.ReasonCodes[0]);
        Assert.Equal(("$SYS/broker/version", "1.2.3"), (retainedForAdmin.Topic, Encoding.UTF8.GetString(retainedForAdmin.Payload.Span)));
        Assert.Equal(ReasonCode.TopicNameInvalid, forged.ReasonCode);
        PublishPacket next = await ops.ExpectPublishAsync(); // the broker's own, not the forged one
        Assert.Equal(("$SYS/broker/uptime", "7"), (next.Topic, Encoding.UTF8.GetString(next.Payload.Span)));
    }

    public static TheoryData<string, MqttProtocolVersion> BadStrings => new()
    {
        { "publish-nul", MqttProtocolVersion.V500 },
        { "publish-nul", MqttProtocolVersion.V311 },
        { "publish-invalid-utf8", MqttProtocolVersion.V500 },
        { "publish-invalid-utf8", MqttProtocolVersion.V311 },
        { "subscribe-nul", MqttProtocolVersion.V500 },
        { "subscribe-nul", MqttProtocolVersion.V311 },
        { "subscribe-invalid-utf8", MqttProtocolVersion.V500 },
        { "subscribe-invalid-utf8", MqttProtocolVersion.V311 },
    };

    /// <summary>
    /// 5.0 §1.5.4 [MQTT-1.5.4-1], [MQTT-1.5.4-2] (3.1.1 §1.5.3): a packet with ill-formed UTF-8 or U+0000 in a UTF-8 Encoded
    /// String is a Malformed Packet. The strings here would pass a check that stops at the NUL or skips the bad bytes
    /// (".../dev42/vitals" is the device's own), so the broker must refuse them before any policy check: 5.0 gets
    /// DISCONNECT 0x81 and the close, 3.1.1 the close alone; nothing is acknowledged, subscribed or routed.
    /// </summary>
    [Theory]
    [MemberData(nameof(BadStrings))]
    public async Task TopicWithNulOrInvalidUtf8_InPublishOrSubscribe_ClosesTheConnectionAsMalformed(string kind, MqttProtocolVersion version)
    {
        await using var station = await ConnectAsync("station-u1", "nurse-utf8-" + kind, MqttProtocolVersion.V500);
        await station.SubscribeAsync("mh/v1/f1/u1/#", QualityOfService.AtLeastOnce);
        await using var device = await ConnectAsync("dev42", "dev42-utf8", version);
        byte[] own = Encoding.UTF8.GetBytes("mh/v1/f1/u1/dev42/vitals");
        byte[] bad = kind.EndsWith("nul", StringComparison.Ordinal)
            ? [.. own, 0x00, .. "/../dev43"u8]
            : [.. own[..^7], 0xC0, 0xAF, .. "vitals"u8]; // ".../dev42" C0 AF "vitals": C0 AF is an overlong '/'

        await device.SendRawAsync(kind.StartsWith("publish", StringComparison.Ordinal) ? RawPublishQos1(bad, version) : RawSubscribe(bad, version));
        IReadOnlyList<MqttPacket> beforeClose = await device.ExpectClosedAsync();

        if (version == MqttProtocolVersion.V500)
        {
            Assert.Equal(ReasonCode.MalformedPacket, Assert.IsType<DisconnectPacket>(Assert.Single(beforeClose)).ReasonCode);
        }
        else
        {
            Assert.Empty(beforeClose); // 3.1.1 has no DISCONNECT from the server: the connection is closed
        }

        await using var device2 = await ConnectAsync("dev42", "dev42-marker", MqttProtocolVersion.V500);
        await PublishAcknowledgedAsync(device2, "mh/v1/f1/u1/dev42/vitals", "marker", packetId: 1);
        Assert.Equal("marker", Encoding.UTF8.GetString((await station.ExpectPublishAsync()).Payload.Span));
    }

    [Theory]
    [InlineData(MqttProtocolVersion.V500)]
    [InlineData(MqttProtocolVersion.V311)]
    public async Task OversizeTopics_TooLongOrTooDeep_InPublishAndSubscribe_AreRefusedAndNotRouted(MqttProtocolVersion version)
    {
        bool v5 = version == MqttProtocolVersion.V500;
        string longTopic = "mh/" + new string('x', MaxTopicLength);
        string deepTopic = "mh/" + string.Join('/', Enumerable.Repeat("l", MaxTopicLevels));
        await using var watcher = await ConnectAsync("ops", "ops-watch", MqttProtocolVersion.V500);
        await watcher.SubscribeAsync("mh/#", QualityOfService.AtLeastOnce);
        await using var ops = await ConnectAsync("ops", "ops-oversize", version);

        SubAckPacket longFilter = await ops.SubscribeAsync(new MqttSubscription("mh/+/" + new string('y', MaxTopicLength), QualityOfService.AtLeastOnce), packetId: 1);
        SubAckPacket deepFilter = await ops.SubscribeAsync(new MqttSubscription(deepTopic + "/#", QualityOfService.AtLeastOnce), packetId: 2);
        PubAckPacket longPublish = await PublishAsync(ops, longTopic, "too long", packetId: 3);
        PubAckPacket deepPublish = await PublishAsync(ops, deepTopic, "too deep", packetId: 4);
        PubAckPacket marker = await PublishAsync(ops, "mh/marker", "marker", packetId: 5);

        Assert.Equal(v5 ? ReasonCode.TopicFilterInvalid : ReasonCode.UnspecifiedError, longFilter.ReasonCodes[0]);
        Assert.Equal(v5 ? ReasonCode.TopicFilterInvalid : ReasonCode.UnspecifiedError, deepFilter.ReasonCodes[0]);
        Assert.Equal(v5 ? ReasonCode.TopicNameInvalid : ReasonCode.Success, longPublish.ReasonCode); // 3.1.1: acknowledged and dropped
        Assert.Equal(v5 ? ReasonCode.TopicNameInvalid : ReasonCode.Success, deepPublish.ReasonCode);
        Assert.Equal(ReasonCode.Success, marker.ReasonCode);
        Assert.Equal("mh/marker", (await watcher.ExpectPublishAsync()).Topic);
    }

    [Theory]
    [InlineData(MqttProtocolVersion.V500, ReasonCode.TopicNameInvalid)]
    [InlineData(MqttProtocolVersion.V311, ReasonCode.ServerUnavailable)] // return code 3: 3.1.1 has nothing closer
    public async Task WillTopic_OverTheTopicLimits_RefusesTheConnect_ThoughThePolicyAllowsIt(MqttProtocolVersion version, ReasonCode expected)
    {
        // ".../dev42/<one level>" is the device's to publish; only its length is wrong.
        ConnectPacket connect = RawMqttConnection.ConnectWithPassword("dev42-long-will", "dev42", "pw", version);
        connect.Will = new MqttWill { Topic = "mh/v1/f1/u1/dev42/" + new string('w', MaxTopicLength), Payload = "offline"u8.ToArray(), QoS = QualityOfService.AtLeastOnce };

        ConnAckPacket connack = await RawMqttConnection.RefusedAsync(Port, connect);

        Assert.Equal(expected, connack.ReasonCode);
    }

    [Theory]
    [InlineData(MqttProtocolVersion.V500, "mh/v1/f1/u1/dev43/alarms", false)] // another device's topic
    [InlineData(MqttProtocolVersion.V311, "mh/v1/f1/u1/dev43/alarms", false)]
    [InlineData(MqttProtocolVersion.V500, "mh/v1/f1/u1/dev42/vitals", true)] // its own, but it may not retain there
    [InlineData(MqttProtocolVersion.V311, "mh/v1/f1/u1/dev42/vitals", true)]
    public async Task WillTopic_OutsideThePrincipalsScope_RefusesTheConnect_With0x87(MqttProtocolVersion version, string topic, bool retain)
    {
        ConnectPacket connect = RawMqttConnection.ConnectWithPassword("dev42-will-" + retain, "dev42", "pw", version);
        connect.Will = new MqttWill { Topic = topic, Payload = "offline"u8.ToArray(), QoS = QualityOfService.AtLeastOnce, Retain = retain };
        ConnectPacket allowed = RawMqttConnection.ConnectWithPassword("dev42-will-ok", "dev42", "pw", version);
        allowed.Will = new MqttWill { Topic = "mh/v1/f1/u1/dev42/status", Payload = "offline"u8.ToArray(), QoS = QualityOfService.AtLeastOnce, Retain = true };

        ConnAckPacket refused = await RawMqttConnection.RefusedAsync(Port, connect);
        await using var accepted = await RawMqttConnection.ConnectedAsync(Port, allowed);

        Assert.Equal(ReasonCode.NotAuthorized, refused.ReasonCode); // 3.1.1: return code 5
    }

    [Fact]
    public async Task RetainedMessage_OnATopicTheSubscriberMayNotRead_IsNotDelivered_ThroughAFilterThePolicyAllowsOnlyInPart()
    {
        await SeedRetainedAsync();
        await using var auditor = await ConnectAsync("auditor-1", "auditor-retained", MqttProtocolVersion.V500);

        // "mh/v1/f1/#" and ".../dev42/+" both cover the denied alarms: refused as a whole, not narrowed.
        SubAckPacket whole = await auditor.SubscribeAsync(new MqttSubscription("mh/v1/f1/#", QualityOfService.AtLeastOnce), packetId: 1);
        SubAckPacket device = await auditor.SubscribeAsync(new MqttSubscription("mh/v1/f1/u1/dev42/+", QualityOfService.AtLeastOnce), packetId: 2);
        SubAckPacket vitals = await auditor.SubscribeAsync(new MqttSubscription("mh/v1/f1/+/+/vitals", QualityOfService.AtLeastOnce), packetId: 3);
        PublishPacket retained = await auditor.ExpectPublishAsync();
        await auditor.SendAsync(PingReqPacket.Instance);
        await auditor.ExpectAsync<PingRespPacket>(); // nothing else: the alarm did not come

        Assert.All(new[] { whole, device }, suback => Assert.Equal(ReasonCode.NotAuthorized, suback.ReasonCodes[0]));
        Assert.Equal((ReasonCode)QualityOfService.AtLeastOnce, vitals.ReasonCodes[0]);
        Assert.Equal(("mh/v1/f1/u1/dev42/vitals", true), (retained.Topic, retained.Retain));
    }

    [Fact]
    public async Task RetainedMessage_AfterAPolicyReloadRemovesAccess_IsNotDeliveredThroughANewSubscription()
    {
        await SeedRetainedAsync();
        await using (var before = await ConnectAsync("station-u1", "nurse-reload", MqttProtocolVersion.V500))
        {
            // Under the policy in force the station reads the retained alarm.
            await before.SubscribeAsync("mh/v1/f1/u1/+/alarms", QualityOfService.AtLeastOnce);
            Assert.Equal("mh/v1/f1/u1/dev42/alarms", (await before.ExpectPublishAsync()).Topic);
            await WaitUntilTheBrokerHasSeenTheFileAsync(before);

            File.WriteAllText(PolicyPath, Policy.Replace(
                """{ "effect": "allow", "actions": ["subscribe"], "topics": ["mh/v1/{attr:facility}/{attr:unit}/#"] },""",
                """{ "effect": "allow", "actions": ["subscribe"], "topics": ["mh/v1/{attr:facility}/{attr:unit}/#"] }, { "effect": "deny", "actions": ["subscribe"], "topics": ["mh/v1/{attr:facility}/{attr:unit}/+/alarms"] },""",
                StringComparison.Ordinal));
            await before.ExpectDisconnectAndCloseAsync(ReasonCode.NotAuthorized, ReloadTimeout); // the reload took effect
        }

        await using var after = await ConnectAsync("station-u1", "nurse-reload", MqttProtocolVersion.V500);
        SubAckPacket alarms = await after.SubscribeAsync(new MqttSubscription("mh/v1/f1/u1/+/alarms", QualityOfService.AtLeastOnce), packetId: 1);
        SubAckPacket unit = await after.SubscribeAsync(new MqttSubscription("mh/v1/f1/u1/#", QualityOfService.AtLeastOnce), packetId: 2);
        SubAckPacket vitals = await after.SubscribeAsync(new MqttSubscription("mh/v1/f1/u1/+/vitals", QualityOfService.AtLeastOnce), packetId: 3);
        PublishPacket retained = await after.ExpectPublishAsync();
        await after.SendAsync(PingReqPacket.Instance);
        await after.ExpectAsync<PingRespPacket>();

        Assert.All(new[] { alarms, unit }, suback => Assert.Equal(ReasonCode.NotAuthorized, suback.ReasonCodes[0]));
        Assert.Equal((ReasonCode)QualityOfService.AtLeastOnce, vitals.ReasonCodes[0]);
        Assert.Equal("mh/v1/f1/u1/dev42/vitals", retained.Topic);
    }

    [Fact]
    public async Task SessionTakeover_ByAnotherPrincipal_IsRefusedWithOrWithoutCleanStart_AndTheOwnersSessionStaysIntact()
    {
        await using (var owner = await RawMqttConnection.ConnectedAsync(Port, Persistent("bedside-9", "dev42", cleanStart: true)))
        {
            await owner.SubscribeAsync(OwnCommand, QualityOfService.AtLeastOnce);
            await owner.SendAsync(new DisconnectPacket());
            await owner.ExpectClosedAsync();
        }

        await using (var station = await ConnectAsync("station-u1", "nurse-takeover", MqttProtocolVersion.V500))
        {
            await PublishAcknowledgedAsync(station, OwnCommand, "queued for the owner", packetId: 1);
        }

        // Clean Start 1 would wipe the owner's session; Clean Start 0 would inherit its subscriptions and queue.
        ConnAckPacket wipe = await RawMqttConnection.RefusedAsync(Port, Persistent("bedside-9", "station-u1", cleanStart: true));
        ConnAckPacket inherit = await RawMqttConnection.RefusedAsync(Port, Persistent("bedside-9", "station-u1", cleanStart: false));
        ConnAckPacket v311 = await RawMqttConnection.RefusedAsync(Port, Persistent("bedside-9", "ops", cleanStart: false, MqttProtocolVersion.V311));
        await using var resumed = await RawMqttConnection.ConnectedAsync(Port, Persistent("bedside-9", "dev42", cleanStart: false));

        Assert.All(new[] { wipe, inherit, v311 }, connack => Assert.Equal(ReasonCode.NotAuthorized, connack.ReasonCode)); // 3.1.1: return code 5
        Assert.True(resumed.LastConnAck!.SessionPresent);
        PublishPacket queued = await resumed.ExpectPublishAsync();
        Assert.Equal((OwnCommand, "queued for the owner"), (queued.Topic, Encoding.UTF8.GetString(queued.Payload.Span)));
    }

    /// <summary>Retained messages of dev42: vitals (anyone in the unit may read) and alarms (the auditor may not).</summary>
    private async Task SeedRetainedAsync()
    {
        await using var ops = await ConnectAsync("ops", "ops-seed", MqttProtocolVersion.V500);
        await PublishAcknowledgedAsync(ops, "mh/v1/f1/u1/dev42/alarms", "SpO2 low", packetId: 1, retain: true);
        await PublishAcknowledgedAsync(ops, "mh/v1/f1/u1/dev42/vitals", "HR 72", packetId: 2, retain: true);
    }

    /// <summary>The broker takes the file's size and time as its baseline at its first look; an edit before that would not count as one.</summary>
    private async Task WaitUntilTheBrokerHasSeenTheFileAsync(RawMqttConnection client)
    {
        for (int i = 0; i < 3; i++)
        {
            await _broker!.Broker.NextPolicyCheckAsync().WaitAsync(ReloadTimeout);
        }

        await client.SendAsync(PingReqPacket.Instance);
        await client.ExpectAsync<PingRespPacket>();
    }

    private async Task<RawMqttConnection> ConnectAsync(string user, string clientId, MqttProtocolVersion version) =>
        await RawMqttConnection.ConnectedAsync(Port, RawMqttConnection.ConnectWithPassword(clientId, user, "pw", version));

    private static ConnectPacket Persistent(string clientId, string user, bool cleanStart, MqttProtocolVersion version = MqttProtocolVersion.V500)
    {
        ConnectPacket connect = RawMqttConnection.Connect(clientId, version, cleanStart, sessionExpiry: version == MqttProtocolVersion.V500 ? 3600u : null);
        connect.UserName = user;
        connect.Password = "pw"u8.ToArray();
        return connect;
    }

    private static async Task<PubAckPacket> PublishAsync(RawMqttConnection client, string topic, string payload, ushort packetId, bool retain = false)
    {
        await client.PublishAsync(topic, payload, QualityOfService.AtLeastOnce, packetId, retain);
        return await client.ExpectAsync<PubAckPacket>();
    }

    private static async Task PublishAcknowledgedAsync(RawMqttConnection client, string topic, string payload, ushort packetId, bool retain = false)
    {
        PubAckPacket ack = await PublishAsync(client, topic, payload, packetId, retain);
        Assert.True(ack.ReasonCode is ReasonCode.Success or ReasonCode.NoMatchingSubscribers, $"PUBACK 0x{(byte)ack.ReasonCode:X2} for {topic}");
    }

    /// <summary>A QoS 1 PUBLISH (packet id 1, empty payload) whose Topic Name is <paramref name="topic"/> as given, unchecked.</summary>
    private static byte[] RawPublishQos1(byte[] topic, MqttProtocolVersion version)
    {
        bool v5 = version == MqttProtocolVersion.V500;
        var body = new List<byte> { (byte)(topic.Length >> 8), (byte)topic.Length };
        body.AddRange(topic);
        body.AddRange([0x00, 0x01]);
        if (v5)
        {
            body.Add(0x00); // no properties
        }

        return [0x32, checked((byte)body.Count), .. body];
    }

    /// <summary>A SUBSCRIBE (packet id 1, QoS 1) of one Topic Filter, <paramref name="filter"/> as given, unchecked.</summary>
    private static byte[] RawSubscribe(byte[] filter, MqttProtocolVersion version)
    {
        bool v5 = version == MqttProtocolVersion.V500;
        var body = new List<byte> { 0x00, 0x01 };
        if (v5)
        {
            body.Add(0x00); // no properties
        }

        body.AddRange([(byte)(filter.Length >> 8), (byte)filter.Length]);
        body.AddRange(filter);
        body.Add(0x01);
        return [0x82, checked((byte)body.Count), .. body];
    }
}
