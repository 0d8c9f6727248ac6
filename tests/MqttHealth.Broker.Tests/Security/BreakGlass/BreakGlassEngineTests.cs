using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using MqttHealth.Broker.Audit;
using MqttHealth.Broker.Hosting;
using MqttHealth.Broker.Security.Authentication;
using MqttHealth.Broker.Security.Authorization;
using MqttHealth.Broker.Security.BreakGlass;
using MqttHealth.Broker.Tests.Infrastructure;
using MqttHealth.Mqtt.Packets;
using MqttHealth.Mqtt.Protocol;

namespace MqttHealth.Broker.Tests.Security.BreakGlass;

/// <summary>
/// Break-glass end to end over loopback (docs/break-glass.md): a nurse station of unit u1 needs a device of unit u2 in an
/// emergency. Its own rules refuse; a grant opened on the control topic allows it within the policy's scope, for its
/// duration, audited at open, every use and close, with the privacy office alerted. Something "not delivered" is shown by
/// a marker message arriving first, never by waiting.
/// </summary>
public sealed class BreakGlassEngineTests : IAsyncLifetime, IDisposable
{
    internal const string Policy = """
        {
          "roles": {
            "device": { "rules": [
              { "effect": "allow", "actions": ["publish"], "topics": ["mh/v1/{attr:facility}/{attr:unit}/{attr:device}/+"] }
            ] },
            "nurse": { "rules": [
              { "effect": "allow", "actions": ["subscribe"], "topics": ["mh/v1/{attr:facility}/{attr:unit}/+/vitals"] },
              { "effect": "deny", "actions": ["subscribe"], "topics": ["mh/v1/+/+/+/cmd"] }
            ] },
            "privacy": { "rules": [ { "effect": "allow", "actions": ["subscribe"], "topics": ["mh/v1/privacy/breakglass"] } ] },
            "admin": { "rules": [ { "effect": "allow", "actions": ["publish", "subscribe", "retain"], "topics": ["#"] } ] }
          },
          "breakGlass": {
            "roles": ["nurse"],
            "actions": ["subscribe"],
            "topics": ["mh/v1/{attr:facility}/#"],
            "maxMinutes": 60,
            "reasons": ["patient-emergency", "code-blue"],
            "alertTopic": "mh/v1/privacy/breakglass"
          }
        }
        """;

    private readonly TempDataDirectory _data = new();
    private readonly ManualTimeProvider _time = new(new DateTimeOffset(2026, 11, 21, 8, 0, 0, TimeSpan.Zero));
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
            new StoredUser("dev7", hasher.Hash("pw"u8), ["device"], new Dictionary<string, string> { ["facility"] = "f1", ["unit"] = "u2", ["device"] = "dev7" }),
            new StoredUser("station-u1", hasher.Hash("pw"u8), ["nurse"], new Dictionary<string, string> { ["facility"] = "f1", ["unit"] = "u1" }),
            new StoredUser("station-u3", hasher.Hash("pw"u8), ["nurse"], new Dictionary<string, string> { ["facility"] = "f1", ["unit"] = "u3" }),
            new StoredUser("privacy-office", hasher.Hash("pw"u8), ["privacy"], new Dictionary<string, string>()),
            new StoredUser("dev-bad", hasher.Hash("pw"u8), ["device"], new Dictionary<string, string> { ["facility"] = "f1", ["unit"] = "u1", ["device"] = "dev-bad" }),
            new StoredUser("ops", hasher.Hash("pw"u8), ["admin"], new Dictionary<string, string>()),
        ]);
        _authenticator = new ConnectAuthenticator(UserStore.Open(usersFile), hasher, NullLogger<ConnectAuthenticator>.Instance);
        StartBroker();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await StopBrokerAsync();
    }

    public void Dispose()
    {
        _authenticator?.Dispose();
        _data.Dispose();
    }

    [Fact]
    public async Task Grant_WithinScope_AllowsWhatTheRulesRefuse_AuditsOpenUseAndDelivery_AndAlertsThePrivacyOffice()
    {
        await using var privacy = await ConnectAsync("privacy-office", "privacy-1");
        await privacy.SubscribeAsync("mh/v1/privacy/breakglass", QualityOfService.AtLeastOnce);
        await using var station = await ConnectAsync("station-u1", "nurse-1");
        Assert.Equal(ReasonCode.NotAuthorized, (await station.SubscribeAsync("mh/v1/f1/u2/dev7/vitals", QualityOfService.AtLeastOnce)).ReasonCodes[0]);

        PubAckPacket opened = await OpenAsync(station, "req-1", ["mh/v1/f1/u2/+/vitals"], minutes: 30);

        Assert.Equal(ReasonCode.Success, opened.ReasonCode);
        string grantId = GrantIdOf(opened);
        SubAckPacket granted = await station.SubscribeAsync(new MqttSubscription("mh/v1/f1/u2/dev7/vitals", QualityOfService.AtLeastOnce), packetId: 2);
        Assert.Equal((ReasonCode)QualityOfService.AtLeastOnce, granted.ReasonCodes[0]);
        await using var device = await ConnectAsync("dev7", "dev7");
        await device.PublishAsync("mh/v1/f1/u2/dev7/vitals", "ciphertext", QualityOfService.AtLeastOnce, packetId: 1);
        PublishPacket delivered = await station.ExpectPublishAsync();
        Assert.Equal("mh/v1/f1/u2/dev7/vitals", delivered.Topic);

        PublishPacket alert = await privacy.ExpectPublishAsync();
        using (JsonDocument json = JsonDocument.Parse(alert.Payload))
        {
            Assert.Equal("opened", json.RootElement.GetProperty("event").GetString());
            Assert.Equal(grantId, json.RootElement.GetProperty("grant").GetString());
            Assert.Equal("station-u1", json.RootElement.GetProperty("principal").GetString());
            Assert.Equal("patient-emergency", json.RootElement.GetProperty("reason").GetString());
        }

        await _audit!.FlushAsync();
        await Eventually.UntilAsync(() => Records(AuditEventKind.BreakGlassUsed).Count(r => r.Detail!.Contains("\"receive\"", StringComparison.Ordinal)) == 1, "the delivery audited as a use");
        ExportedRecord open = Assert.Single(Records(AuditEventKind.BreakGlassOpened));
        Assert.Equal("station-u1", open.Principal);
        Assert.Contains(grantId, open.Detail, StringComparison.Ordinal);
        ExportedRecord subscribeUse = Assert.Single(Records(AuditEventKind.BreakGlassUsed), r => r.Detail!.Contains("\"subscribe\"", StringComparison.Ordinal));
        Assert.Equal("mh/v1/f1/u2/dev7/vitals", subscribeUse.Topic);
        ExportedRecord receiveUse = Assert.Single(Records(AuditEventKind.BreakGlassUsed), r => r.Detail!.Contains("\"receive\"", StringComparison.Ordinal));
        Assert.Equal("ciphertext".Length, receiveUse.PayloadSize);
        Assert.Equal(AuditPayload.Sha256("ciphertext"u8).ToString(), receiveUse.PayloadSha256);
        Assert.Equal(2, Assert.Single(BreakGlassStore.Read(_data.Path)).Uses); // subscribe and receive: the projection follows the trail
    }

    [Theory]
    [InlineData("station-u1", """{"requestId":"r","topics":["mh/v1/f2/u2/+/vitals"],"actions":["subscribe"],"reason":"code-blue","minutes":5}""", "outside the break-glass scope")]
    [InlineData("station-u1", """{"requestId":"r","topics":["#"],"actions":["subscribe"],"reason":"code-blue","minutes":5}""", "outside the break-glass scope")]
    [InlineData("station-u1", """{"requestId":"r","topics":["mh/v1/f1/u2/+/vitals"],"actions":["publish"],"reason":"code-blue","minutes":5}""", "do not allow publish")]
    [InlineData("station-u1", """{"requestId":"r","topics":["mh/v1/f1/u2/+/vitals"],"actions":["subscribe"],"reason":"curiosity","minutes":5}""", "not one of the policy's reason codes")]
    [InlineData("station-u1", """{"requestId":"r","topics":["mh/v1/f1/u2/+/vitals"],"actions":["subscribe"],"reason":"code-blue","minutes":61}""", "longer than the policy's maximum")]
    [InlineData("dev-bad", """{"requestId":"r","topics":["mh/v1/f1/u2/+/vitals"],"actions":["subscribe"],"reason":"code-blue","minutes":5}""", "no role of this principal")]
    public async Task Request_OutOfScopeOrNotAllowed_IsRefusedWith0x87_OpensNothing_AndIsAudited(string user, string request, string why)
    {
        await using var client = await ConnectAsync(user, "c-" + user);

        PubAckPacket refused = await PublishAsync(client, BreakGlassRequest.OpenTopic, request, packetId: 1);

        Assert.Equal(ReasonCode.NotAuthorized, refused.ReasonCode);
        Assert.Contains(why, refused.Properties?.ReasonString, StringComparison.Ordinal);
        Assert.Empty(_broker!.Broker.OpenGrants());
        await _audit!.FlushAsync();
        Assert.Empty(Records(AuditEventKind.BreakGlassOpened));
        ExportedRecord denied = Assert.Single(Records(AuditEventKind.PublishDenied));
        Assert.Equal(BreakGlassRequest.OpenTopic, denied.Topic);
        Assert.Contains(why, denied.Detail, StringComparison.Ordinal);
        Assert.Equal(AuditPayload.Sha256(Encoding.UTF8.GetBytes(request)).ToString(), denied.PayloadSha256);
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("""{"requestId":"r","topics":["mh/v1/f1/u2/+/vitals"],"actions":["subscribe"],"reason":"code-blue","minutes":5,"extra":1}""")]
    [InlineData("""{"requestId":"r","topics":["mh/v1/f1/{attr:unit}/#"],"actions":["subscribe"],"reason":"code-blue","minutes":5}""")]
    [InlineData("""{"requestId":"r","topics":["mh/#/x"],"actions":["subscribe"],"reason":"code-blue","minutes":5}""")]
    [InlineData("""{"requestId":"r","topics":["mh/v1/f1/u2/+/vitals"],"actions":["subscribe"],"reason":"the patient in bed 4 is crashing","minutes":5}""")]
    public async Task Request_Malformed_IsRefusedWith0x99_AndOpensNothing(string request)
    {
        await using var station = await ConnectAsync("station-u1", "nurse-2");

        PubAckPacket refused = await PublishAsync(station, BreakGlassRequest.OpenTopic, request, packetId: 1);

        Assert.Equal(ReasonCode.PayloadFormatInvalid, refused.ReasonCode);
        Assert.Empty(_broker!.Broker.OpenGrants());
    }

    [Fact]
    public async Task Request_AtQoS2_IsRefusedWithPubRec0x83_AndOpensNothing()
    {
        await using var station = await ConnectAsync("station-u1", "nurse-qos2");
        string request = JsonSerializer.Serialize(new { requestId = "q2", topics = new[] { "mh/v1/f1/u2/+/vitals" }, actions = new[] { "subscribe" }, reason = "code-blue", minutes = 5 });

        await station.PublishAsync(BreakGlassRequest.OpenTopic, request, QualityOfService.ExactlyOnce, packetId: 1);
        PubRecPacket refused = await station.ExpectAsync<PubRecPacket>();

        Assert.Equal(ReasonCode.ImplementationSpecificError, refused.ReasonCode);
        Assert.Empty(_broker!.Broker.OpenGrants());
    }

    [Fact]
    public async Task Request_Replayed_IsRefused_AndOpensNoSecondGrant()
    {
        await using var station = await ConnectAsync("station-u1", "nurse-3");
        Assert.Equal(ReasonCode.Success, (await OpenAsync(station, "req-replay", ["mh/v1/f1/u2/+/vitals"], minutes: 5)).ReasonCode);

        // The same request again, from another connection of the same principal, as a captured request would be.
        await using var again = await ConnectAsync("station-u1", "nurse-3b");
        PubAckPacket replayed = await OpenAsync(again, "req-replay", ["mh/v1/f1/u2/+/vitals"], minutes: 5, packetId: 7);

        Assert.Equal(ReasonCode.NotAuthorized, replayed.ReasonCode);
        Assert.Contains("used before", replayed.Properties?.ReasonString, StringComparison.Ordinal);
        Assert.Single(_broker!.Broker.OpenGrants());
    }

    [Fact]
    public async Task Grant_NeverOverridesADenyRule_OrReachesAnotherPrincipal()
    {
        await using var station = await ConnectAsync("station-u1", "nurse-4");
        Assert.Equal(ReasonCode.Success, (await OpenAsync(station, "req-deny", ["mh/v1/f1/u2/#"], minutes: 5)).ReasonCode);

        SubAckPacket cmd = await station.SubscribeAsync(new MqttSubscription("mh/v1/f1/u2/dev7/cmd", QualityOfService.AtLeastOnce), packetId: 2);
        await using var other = await ConnectAsync("station-u3", "nurse-u3");
        SubAckPacket otherStation = await other.SubscribeAsync("mh/v1/f1/u2/dev7/vitals", QualityOfService.AtLeastOnce);

        Assert.Equal(ReasonCode.NotAuthorized, cmd.ReasonCodes[0]);
        Assert.Equal(ReasonCode.NotAuthorized, otherStation.ReasonCodes[0]);
    }

    [Fact]
    public async Task Grant_ExpiresByItself_RemovesTheSubscriptionItAllowed_TellsTheClient_AndAlertsTheClose()
    {
        await using var privacy = await ConnectAsync("privacy-office", "privacy-2");
        await privacy.SubscribeAsync("mh/v1/privacy/breakglass", QualityOfService.AtLeastOnce);
        await using var station = await ConnectAsync("station-u1", "nurse-5");
        string grantId = GrantIdOf(await OpenAsync(station, "req-expire", ["mh/v1/f1/u2/+/vitals"], minutes: 10));
        Assert.Equal((ReasonCode)QualityOfService.AtLeastOnce, (await station.SubscribeAsync(new MqttSubscription("mh/v1/f1/u2/dev7/vitals", QualityOfService.AtLeastOnce), packetId: 2)).ReasonCodes[0]);
        Assert.Equal("opened", EventOf(await privacy.ExpectPublishAsync()));

        _time.Advance(TimeSpan.FromMinutes(10) + TimeSpan.FromSeconds(1));

        DisconnectPacket told = await station.ExpectDisconnectAndCloseAsync(ReasonCode.NotAuthorized);
        Assert.Contains("mh/v1/f1/u2/dev7/vitals", told.Properties?.ReasonString, StringComparison.Ordinal);
        Assert.Equal("closed", EventOf(await privacy.ExpectPublishAsync()));
        Assert.Empty(_broker!.Broker.OpenGrants());
        await Eventually.UntilAsync(() => BreakGlassStore.Read(_data.Path).Single().CloseReason == "expired", "the close recorded");

        // Reconnected, the station's rules are what they were.
        await using var back = await ConnectAsync("station-u1", "nurse-5b");
        Assert.Equal(ReasonCode.NotAuthorized, (await back.SubscribeAsync("mh/v1/f1/u2/dev7/vitals", QualityOfService.AtLeastOnce)).ReasonCodes[0]);
        Assert.Single(Records(AuditEventKind.BreakGlassClosed), r => r.Detail!.Contains(grantId, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Grant_ClosedByItsHolder_EndsAccess_ButAnotherPrincipalCannotCloseIt()
    {
        await using var station = await ConnectAsync("station-u1", "nurse-6");
        string grantId = GrantIdOf(await OpenAsync(station, "req-close", ["mh/v1/f1/u2/+/vitals"], minutes: 30));
        await using var other = await ConnectAsync("station-u3", "nurse-u3b");

        PubAckPacket notTheirs = await PublishAsync(other, BreakGlassRequest.CloseTopic, $$"""{"grant":"{{grantId}}"}""", packetId: 1);
        PubAckPacket closed = await PublishAsync(station, BreakGlassRequest.CloseTopic, $$"""{"grant":"{{grantId}}"}""", packetId: 2);
        SubAckPacket after = await station.SubscribeAsync(new MqttSubscription("mh/v1/f1/u2/dev7/vitals", QualityOfService.AtLeastOnce), packetId: 3);

        Assert.Equal(ReasonCode.NotAuthorized, notTheirs.ReasonCode);
        Assert.Equal(ReasonCode.Success, closed.ReasonCode);
        Assert.Equal(ReasonCode.NotAuthorized, after.ReasonCodes[0]);
        await Eventually.UntilAsync(() => BreakGlassStore.Read(_data.Path).Single().CloseReason == "closed by holder", "the close recorded");
    }

    [Fact]
    public async Task Grant_SurvivesARestart_AndOneThatExpiredWhileStopped_IsClosed()
    {
        await using (var station = await ConnectAsync("station-u1", "nurse-7"))
        {
            Assert.Equal(ReasonCode.Success, (await OpenAsync(station, "req-long", ["mh/v1/f1/u2/+/vitals"], minutes: 60)).ReasonCode);
            Assert.Equal(ReasonCode.Success, (await OpenAsync(station, "req-short", ["mh/v1/f1/u2/dev7/vitals"], minutes: 5, packetId: 2)).ReasonCode);
        }

        await StopBrokerAsync();
        _time.Advance(TimeSpan.FromMinutes(6));
        StartBroker();

        BreakGlassGrant open = Assert.Single(_broker!.Broker.OpenGrants());
        Assert.Equal("req-long", open.RequestId);
        await using var back = await ConnectAsync("station-u1", "nurse-7b");
        Assert.Equal((ReasonCode)QualityOfService.AtLeastOnce, (await back.SubscribeAsync("mh/v1/f1/u2/dev7/vitals", QualityOfService.AtLeastOnce)).ReasonCodes[0]);
        await _audit!.FlushAsync();
        Assert.Equal("expired while the broker was stopped", BreakGlassStore.Read(_data.Path).Single(g => g.RequestId == "req-short").CloseReason);

        // The replay protection outlives the restart too.
        Assert.Equal(ReasonCode.NotAuthorized, (await OpenAsync(back, "req-short", ["mh/v1/f1/u2/dev7/vitals"], minutes: 5, packetId: 3)).ReasonCode);
    }

    [Fact]
    public async Task Review_AfterTheGrantClosed_IsRecordedOnce_NotByTheHolder_AndTheTrailStillVerifies()
    {
        await using var station = await ConnectAsync("station-u1", "nurse-8");
        string grantId = GrantIdOf(await OpenAsync(station, "req-review", ["mh/v1/f1/u2/+/vitals"], minutes: 5));

        // Open: not yet. The broker runs, so the review goes through its audit inbox.
        Assert.Equal(BrokerExitCodes.BadConfiguration, Cli("review", grantId, "--outcome", "justified", "--reviewer", "privacy-officer").Code);
        await PublishAsync(station, BreakGlassRequest.CloseTopic, $$"""{"grant":"{{grantId}}"}""", packetId: 2);
        await Eventually.UntilAsync(() => BreakGlassStore.Read(_data.Path).Single().ClosedAt is not null, "the close recorded");
        (int unreviewed, string list) = Cli("list", "--unreviewed");
        Assert.Equal(0, unreviewed);
        Assert.Contains(grantId, list, StringComparison.Ordinal);
        Assert.Contains("NOT REVIEWED", list, StringComparison.Ordinal);

        Assert.Equal(BrokerExitCodes.BadConfiguration, Cli("review", grantId, "--outcome", "justified", "--reviewer", "station-u1").Code);
        (int reviewed, string said) = Cli("review", grantId, "--outcome", "justified", "--reviewer", "privacy-officer", "--note", "INC-4711");
        (int twice, _) = Cli("review", grantId, "--outcome", "unjustified", "--reviewer", "someone-else");

        Assert.Equal(0, reviewed);
        Assert.DoesNotContain("has not taken", said, StringComparison.Ordinal);
        Assert.Equal(BrokerExitCodes.BadConfiguration, twice);
        BreakGlassGrant grant = Assert.Single(BreakGlassStore.Read(_data.Path));
        Assert.Equal(("justified", "privacy-officer", "INC-4711"), (grant.ReviewOutcome, grant.Reviewer, grant.ReviewNote));
        Assert.Empty(Cli("list", "--unreviewed").Output.Trim());
        await StopBrokerAsync();
        AuditVerification verification = AuditVerifier.Verify(_data.Path);
        Assert.True(verification.IsValid, verification.ToString());
        Assert.Single(Records(AuditEventKind.BreakGlassReviewed));
    }

    private (int Code, string Output) Cli(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = BreakGlassVerb.Run([.. args, "--data", _data.Path], _data.Path, "Production", output, error, _time);
        return (code, output + error.ToString());
    }

    private void StartBroker()
    {
        _audit = AuditLog.Open(_data.Path, new AuditOptions(), NullLogger<AuditLog>.Instance);
        _broker = InProcessBroker.Start(o => o.AllowAnonymous = false, time: _time, authenticator: _authenticator, policy: _policy, audit: _audit);
    }

    private async Task StopBrokerAsync()
    {
        if (_broker is not null)
        {
            await _broker.DisposeAsync();
            _broker = null;
        }

        if (_audit is not null)
        {
            await _audit.DisposeAsync();
            _audit = null;
        }
    }

    private List<ExportedRecord> Records(AuditEventKind kind)
    {
        var output = new StringWriter();
        AuditExporter.Export(_data.Path, output);
        var records = new List<ExportedRecord>();
        foreach (string line in output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            using JsonDocument json = JsonDocument.Parse(line);
            JsonElement e = json.RootElement;
            if (e.GetProperty("kind").GetString() == kind.ToString())
            {
                records.Add(new ExportedRecord(
                    e.GetProperty("principal").GetString(),
                    e.GetProperty("topic").GetString(),
                    e.GetProperty("payloadSize").ValueKind == JsonValueKind.Number ? e.GetProperty("payloadSize").GetInt64() : null,
                    e.GetProperty("payloadSha256").GetString(),
                    e.GetProperty("detail").GetString()));
            }
        }

        return records;
    }

    private sealed record ExportedRecord(string? Principal, string? Topic, long? PayloadSize, string? PayloadSha256, string? Detail);

    private static string GrantIdOf(PubAckPacket ack)
    {
        string why = ack.Properties?.ReasonString ?? throw new InvalidOperationException("no reason string in " + RawMqttConnection.Describe(ack));
        return why.Split(' ')[1];
    }

    private static string? EventOf(PublishPacket alert)
    {
        using JsonDocument json = JsonDocument.Parse(alert.Payload);
        return json.RootElement.GetProperty("event").GetString();
    }

    private Task<RawMqttConnection> ConnectAsync(string user, string clientId) =>
        RawMqttConnection.ConnectedAsync(Port, RawMqttConnection.ConnectWithPassword(clientId, user, "pw"));

    private static Task<PubAckPacket> OpenAsync(RawMqttConnection client, string requestId, string[] topics, int minutes, ushort packetId = 1) =>
        PublishAsync(client, BreakGlassRequest.OpenTopic, JsonSerializer.Serialize(new { requestId, topics, actions = new[] { "subscribe" }, reason = "patient-emergency", minutes }), packetId);

    private static async Task<PubAckPacket> PublishAsync(RawMqttConnection client, string topic, string payload, ushort packetId)
    {
        await client.PublishAsync(topic, payload, QualityOfService.AtLeastOnce, packetId);
        return await client.ExpectAsync<PubAckPacket>();
    }
}
