using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging.Abstractions;
using MqttHealth.Broker.Audit;
using MqttHealth.Broker.Options;
using MqttHealth.Broker.Security.Authentication;
using MqttHealth.Broker.Security.Authentication.Tokens;
using MqttHealth.Broker.Security.Authorization;
using MqttHealth.Broker.Tests.Infrastructure;
using MqttHealth.Mqtt.Packets;
using MqttHealth.Mqtt.Protocol;

namespace MqttHealth.Broker.Tests.Security.Authentication.Tokens;

/// <summary>
/// JWT bearer tokens against the engine on loopback: as the password (3.1.1 and 5), with the MQTT 5 Authentication
/// Method JWT, re-authentication, the policy fed from roles, scopes and attribute claims, expiry, and the audit trail.
/// The engine's clock is a <see cref="ManualTimeProvider"/>: expiry is reached by moving it, never by sleeping.
/// </summary>
public sealed class TokenAuthenticationTests : IAsyncLifetime, IDisposable
{
    private const string Policy = """
        {
          "roles": {
            "writer": { "rules": [ { "effect": "allow", "actions": ["publish"], "topics": ["mh/v1/{attr:facility}/+/+/vitals"] } ] },
            "reader": { "rules": [ { "effect": "allow", "actions": ["subscribe"], "topics": ["mh/v1/{attr:facility}/#"] } ] }
          }
        }
        """;

    private static readonly TimeSpan Skew = TimeSpan.FromSeconds(30);
    private readonly TestTokenIssuer _issuer = new();
    private readonly TempDataDirectory _data = new();
    private readonly ManualTimeProvider _time = new();
    private ConnectAuthenticator? _authenticator;
    private AuditLog? _audit;
    private InProcessBroker? _broker;

    private int Port => _broker!.Port;

    private DateTimeOffset Now => _time.GetUtcNow();

    public Task InitializeAsync()
    {
        var options = new JwtOptions
        {
            JwksFile = _issuer.JwksPath,
            Issuer = TestTokenIssuer.Issuer,
            Audience = TestTokenIssuer.Audience,
            ClockSkew = Skew,
            ScopeRoles = { ["system/Observation.write"] = "writer" },
            AttributeClaims = { ["facility"] = "facility" },
        };
        var users = UserStore.Open(Path.Combine(_data.Path, UserStore.DefaultFileName));
        _authenticator = new ConnectAuthenticator(users, new PasswordHasher(1000), NullLogger<ConnectAuthenticator>.Instance)
        {
            Tokens = new TokenAuthenticator(options, JsonWebKeySetFile.Open(_issuer.JwksPath), NullLogger<TokenAuthenticator>.Instance, _time),
        };
        _audit = AuditLog.Open(_data.Path, new AuditOptions(), NullLogger<AuditLog>.Instance);
        _broker = InProcessBroker.Start(o => o.AllowAnonymous = false, time: _time, authenticator: _authenticator, policy: new PolicyStore(AuthorizationPolicy.Parse(Policy, "test policy")), audit: _audit);
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
        _issuer.Dispose();
    }

    [Theory]
    [InlineData(MqttProtocolVersion.V311)]
    [InlineData(MqttProtocolVersion.V500)]
    public async Task Connect_TokenAsPassword_AcceptedWhateverTheUserName(MqttProtocolVersion version)
    {
        string token = _issuer.Es256(Claims("dev42"));

        await using var client = await RawMqttConnection.ConnectedAsync(Port, RawMqttConnection.ConnectWithPassword("c1", "anything", token, version));

        Assert.Null(client.LastConnAck!.Properties?.AuthenticationMethod); // no method in CONNECT, none in CONNACK [MQTT-4.12.0-6]
        await client.SendAsync(PingReqPacket.Instance);
        await client.ExpectAsync<PingRespPacket>();
    }

    [Fact]
    public async Task Connect_V311BadTokenAsPassword_ReturnCode4()
    {
        string token = _issuer.Es256(Claims("dev42"), kid: "unknown");
        await using var client = await RawMqttConnection.OpenAsync(Port, MqttProtocolVersion.V311);
        await client.SendAsync(RawMqttConnection.ConnectWithPassword("c2", "dev42", token, MqttProtocolVersion.V311));

        Assert.Equal(new byte[] { 0x20, 0x02, 0x00, 0x04 }, await client.ReadRawAsync());
        await client.ExpectClosedAsync();
    }

    [Fact]
    public async Task Connect_BadTokens_SameRefusalWhateverFailed()
    {
        JsonObject wrongIssuer = Claims("dev42");
        wrongIssuer["iss"] = "https://evil.test/";
        string[] tokens =
        [
            _issuer.Es256(Claims("dev42", lifetime: TimeSpan.FromMinutes(-5))), // expired
            _issuer.Es256(wrongIssuer),
            TestTokenIssuer.Encode("{\"alg\":\"none\"}") + "." + TestTokenIssuer.Encode(Claims("dev42").ToJsonString()) + ".",
        ];

        var refusals = new List<ConnAckPacket>();
        foreach (string token in tokens)
        {
            refusals.Add(await RawMqttConnection.RefusedAsync(Port, RawMqttConnection.ConnectWithPassword("c3", "dev42", token)));
        }

        Assert.All(refusals, r => Assert.Equal(ReasonCode.BadUserNameOrPassword, r.ReasonCode));
        Assert.Single(refusals.Select(r => r.Properties?.ReasonString).Distinct());
    }

    [Fact]
    public async Task Connect_EnhancedAuthenticationWithMethodJwt_AcceptedAndTheMethodEchoed()
    {
        await using var client = await ConnectWithMethodAsync("c4", _issuer.Rs256(Claims("dev42")));

        Assert.Equal(TokenAuthenticator.AuthenticationMethod, client.LastConnAck!.Properties?.AuthenticationMethod); // [MQTT-4.12.0-5]
    }

    [Fact]
    public async Task Connect_EnhancedAuthenticationBadToken_BadUserNameOrPassword()
    {
        ConnAckPacket connack = await RawMqttConnection.RefusedAsync(Port, WithMethod("c5", TokenAuthenticator.AuthenticationMethod, _issuer.Es256(Claims("dev42"), key: System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP256))));

        Assert.Equal(ReasonCode.BadUserNameOrPassword, connack.ReasonCode);
        Assert.Null(connack.Properties?.AuthenticationMethod);
    }

    [Fact]
    public async Task Connect_UnknownMethod_BadAuthenticationMethod()
    {
        ConnAckPacket connack = await RawMqttConnection.RefusedAsync(Port, WithMethod("c6", "SCRAM-SHA-256", _issuer.Es256(Claims("dev42"))));

        Assert.Equal(ReasonCode.BadAuthenticationMethod, connack.ReasonCode);
    }

    [Fact]
    public async Task Policy_RolesScopesAndFacilityClaim_DecidePublishAndSubscribe()
    {
        JsonObject claims = Claims("station-7");
        claims["roles"] = "reader";                                    // a space-separated string
        claims["scope"] = "openid system/Observation.write launch";    // SMART scope mapped to "writer"; the others grant nothing
        claims["facility"] = "f1";                                     // fills {attr:facility}
        await using var client = await ConnectWithMethodAsync("c7", _issuer.Es256(claims));

        Assert.Equal(ReasonCode.NoMatchingSubscribers, (await PublishAsync(client, "mh/v1/f1/u1/d1/vitals", 1)).ReasonCode); // allowed; nobody listens
        Assert.Equal(ReasonCode.NotAuthorized, (await PublishAsync(client, "mh/v1/f2/u1/d1/vitals", 2)).ReasonCode);
        Assert.Equal(ReasonCode.GrantedQoS1, Assert.Single((await client.SubscribeAsync("mh/v1/f1/#", QualityOfService.AtLeastOnce)).ReasonCodes));
        Assert.Equal(ReasonCode.NotAuthorized, Assert.Single((await client.SubscribeAsync(new MqttSubscription("mh/v1/f2/#", QualityOfService.AtLeastOnce), packetId: 2)).ReasonCodes));
    }

    [Fact]
    public async Task Policy_TokenWithoutTheScope_CannotPublish()
    {
        JsonObject claims = Claims("station-8");
        claims["roles"] = new JsonArray("reader");
        claims["scope"] = "system/Observation.read";
        claims["facility"] = "f1";
        await using var client = await RawMqttConnection.ConnectedAsync(Port, RawMqttConnection.ConnectWithPassword("c8", "x", _issuer.Es256(claims)));

        Assert.Equal(ReasonCode.NotAuthorized, (await PublishAsync(client, "mh/v1/f1/u1/d1/vitals", 1)).ReasonCode);
    }

    [Fact]
    public async Task Connect_AttributeClaimWithAWildcard_Refused()
    {
        JsonObject claims = Claims("dev42");
        claims["facility"] = "#";

        ConnAckPacket connack = await RawMqttConnection.RefusedAsync(Port, RawMqttConnection.ConnectWithPassword("c9", "x", _issuer.Es256(claims)));

        Assert.Equal(ReasonCode.BadUserNameOrPassword, connack.ReasonCode);
    }

    [Fact]
    public async Task Expiry_V5_DisconnectNotAuthorizedOnceExpPlusSkewHasPassed()
    {
        await using var client = await ConnectWithMethodAsync("c10", _issuer.Es256(Claims("dev42", lifetime: TimeSpan.FromMinutes(5))));

        _time.Advance(TimeSpan.FromMinutes(5) + Skew - TimeSpan.FromSeconds(1));
        await client.SendAsync(PingReqPacket.Instance);
        await client.ExpectAsync<PingRespPacket>(); // not yet
        _time.Advance(TimeSpan.FromSeconds(1));

        DisconnectPacket disconnect = await client.ExpectDisconnectAndCloseAsync(ReasonCode.NotAuthorized);
        Assert.Equal("the credentials expired", disconnect.Properties?.ReasonString);
    }

    [Fact]
    public async Task Expiry_V311_ClosedWithoutAPacket()
    {
        await using var client = await RawMqttConnection.ConnectedAsync(Port, RawMqttConnection.ConnectWithPassword("c11", "x", _issuer.Es256(Claims("dev42", lifetime: TimeSpan.FromMinutes(1))), MqttProtocolVersion.V311));

        _time.Advance(TimeSpan.FromMinutes(1) + Skew);

        Assert.Empty(await client.ExpectClosedAsync());
    }

    [Fact]
    public async Task Reauthentication_NewToken_AuthSuccessAndTheNewExpiryApplies()
    {
        await using var client = await ConnectWithMethodAsync("c12", _issuer.Es256(Claims("dev42", lifetime: TimeSpan.FromMinutes(5))));
        _time.Advance(TimeSpan.FromMinutes(4));

        AuthPacket answer = await ReauthenticateAsync(client, TokenAuthenticator.AuthenticationMethod, _issuer.Rs256(Claims("dev42", lifetime: TimeSpan.FromMinutes(10))));

        Assert.Equal(ReasonCode.Success, answer.ReasonCode);
        Assert.Equal(TokenAuthenticator.AuthenticationMethod, answer.Properties?.AuthenticationMethod); // [MQTT-4.12.0-5]
        _time.Advance(TimeSpan.FromMinutes(5)); // past the first token's exp + skew
        await client.SendAsync(PingReqPacket.Instance);
        await client.ExpectAsync<PingRespPacket>();
        _time.Advance(TimeSpan.FromMinutes(5) + Skew); // past the second's
        await client.ExpectDisconnectAndCloseAsync(ReasonCode.NotAuthorized);
    }

    [Fact]
    public async Task Reauthentication_BadToken_DisconnectNotAuthorized()
    {
        await using var client = await ConnectWithMethodAsync("c13", _issuer.Es256(Claims("dev42")));
        JsonObject wrongAudience = Claims("dev42");
        wrongAudience["aud"] = "someone-else";

        await client.SendAsync(Reauthenticate(TokenAuthenticator.AuthenticationMethod, _issuer.Es256(wrongAudience)));

        DisconnectPacket disconnect = await client.ExpectDisconnectAndCloseAsync(ReasonCode.NotAuthorized);
        Assert.DoesNotContain("aud", disconnect.Properties?.ReasonString ?? string.Empty, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Reauthentication_AnotherSubject_DisconnectNotAuthorized()
    {
        await using var client = await ConnectWithMethodAsync("c14", _issuer.Es256(Claims("dev42")));

        await client.SendAsync(Reauthenticate(TokenAuthenticator.AuthenticationMethod, _issuer.Es256(Claims("dev43"))));

        await client.ExpectDisconnectAndCloseAsync(ReasonCode.NotAuthorized);
    }

    [Fact]
    public async Task Reauthentication_AnotherMethod_DisconnectProtocolError()
    {
        await using var client = await ConnectWithMethodAsync("c15", _issuer.Es256(Claims("dev42")));

        await client.SendAsync(Reauthenticate("SCRAM-SHA-256", _issuer.Es256(Claims("dev42"))));

        // 0x8C is a CONNACK code only; DISCONNECT says Protocol Error [MQTT-4.12.1-1].
        await client.ExpectDisconnectAndCloseAsync(ReasonCode.ProtocolError);
    }

    [Fact]
    public async Task Reauthentication_ClientThatDidNotUseEnhancedAuthentication_ProtocolError()
    {
        await using var client = await RawMqttConnection.ConnectedAsync(Port, RawMqttConnection.ConnectWithPassword("c16", "x", _issuer.Es256(Claims("dev42"))));

        await client.SendAsync(Reauthenticate(TokenAuthenticator.AuthenticationMethod, _issuer.Es256(Claims("dev42"))));

        await client.ExpectDisconnectAndCloseAsync(ReasonCode.ProtocolError); // [MQTT-4.12.0-7]
    }

    [Fact]
    public async Task Reauthentication_ReasonContinueWithoutAnExchange_ProtocolError()
    {
        await using var client = await ConnectWithMethodAsync("c17", _issuer.Es256(Claims("dev42")));

        await client.SendAsync(new AuthPacket { ReasonCode = ReasonCode.ContinueAuthentication, Properties = new MqttProperties { AuthenticationMethod = TokenAuthenticator.AuthenticationMethod } });

        await client.ExpectDisconnectAndCloseAsync(ReasonCode.ProtocolError);
    }

    [Fact]
    public async Task Audit_SuccessFailureReauthenticationAndExpiry_AreRecorded()
    {
        await RawMqttConnection.RefusedAsync(Port, RawMqttConnection.ConnectWithPassword("a1", "someone", _issuer.Es256(Claims("dev42"), kid: "nope")));
        await using (var client = await ConnectWithMethodAsync("a2", _issuer.Es256(Claims("dev42", lifetime: TimeSpan.FromMinutes(1)))))
        {
            Assert.Equal(ReasonCode.Success, (await ReauthenticateAsync(client, TokenAuthenticator.AuthenticationMethod, _issuer.Es256(Claims("dev42", lifetime: TimeSpan.FromMinutes(2))))).ReasonCode);
            _time.Advance(TimeSpan.FromMinutes(2) + Skew);
            await client.ExpectDisconnectAndCloseAsync(ReasonCode.NotAuthorized);
        }

        await using (var other = await ConnectWithMethodAsync("a3", _issuer.Es256(Claims("dev42"))))
        {
            await other.SendAsync(Reauthenticate(TokenAuthenticator.AuthenticationMethod, _issuer.Es256(Claims("dev99"))));
            await other.ExpectDisconnectAndCloseAsync(ReasonCode.NotAuthorized);
        }

        await Eventually.ClientsConnectedAsync(_broker!, 0); // the disconnects have been audited
        string text = await ExportAuditAsync();

        Assert.Contains("\"kind\":\"AuthenticationFailed\",\"principal\":\"someone\"", text, StringComparison.Ordinal);
        Assert.Contains("token refused: no key with kid", text, StringComparison.Ordinal);
        Assert.Contains("\"kind\":\"AuthenticationSucceeded\",\"principal\":\"dev42\"", text, StringComparison.Ordinal);
        Assert.Contains("re-authentication, Token", text, StringComparison.Ordinal);
        Assert.Contains("the credentials expired", text, StringComparison.Ordinal);
        Assert.Contains("re-authentication refused: the new credentials are for", text, StringComparison.Ordinal);
        Assert.DoesNotContain("eyJ", text, StringComparison.Ordinal); // no token in the trail
    }

    private static ConnectPacket WithMethod(string clientId, string method, string token)
    {
        ConnectPacket connect = RawMqttConnection.Connect(clientId);
        connect.Properties = new MqttProperties { AuthenticationMethod = method, AuthenticationData = Encoding.ASCII.GetBytes(token) };
        return connect;
    }

    private static AuthPacket Reauthenticate(string method, string token) => new()
    {
        ReasonCode = ReasonCode.ReAuthenticate,
        Properties = new MqttProperties { AuthenticationMethod = method, AuthenticationData = Encoding.ASCII.GetBytes(token) },
    };

    private static async Task<AuthPacket> ReauthenticateAsync(RawMqttConnection client, string method, string token)
    {
        await client.SendAsync(Reauthenticate(method, token));
        return await client.ExpectAsync<AuthPacket>();
    }

    private static async Task<PubAckPacket> PublishAsync(RawMqttConnection client, string topic, ushort packetId)
    {
        await client.SendAsync(new PublishPacket { Topic = topic, Payload = "x"u8.ToArray(), QoS = QualityOfService.AtLeastOnce, PacketId = packetId });
        return await client.ExpectAsync<PubAckPacket>();
    }

    private JsonObject Claims(string subject, TimeSpan? lifetime = null) => TestTokenIssuer.Claims(Now, subject, lifetime);

    private Task<RawMqttConnection> ConnectWithMethodAsync(string clientId, string token) =>
        RawMqttConnection.ConnectedAsync(Port, WithMethod(clientId, TokenAuthenticator.AuthenticationMethod, token));

    private async Task<string> ExportAuditAsync()
    {
        await _audit!.FlushAsync();
        var export = new StringWriter();
        AuditExporter.Export(_data.Path, export);
        return export.ToString();
    }
}
