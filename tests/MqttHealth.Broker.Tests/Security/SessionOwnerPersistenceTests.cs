using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using MqttHealth.Broker.Security.Authentication;
using MqttHealth.Broker.Tests.Infrastructure;
using MqttHealth.Broker.Tests.Storage;
using MqttHealth.Mqtt.Packets;
using MqttHealth.Mqtt.Protocol;

namespace MqttHealth.Broker.Tests.Security;

/// <summary>
/// The owner of a session (the principal whose client id it is) is stored with the session: a restart of the engine
/// on the same SQLite file does not hand the client id to whoever connects first. A session stored by a version 1
/// database has no owner; the first principal to connect claims it, and that claim is stored.
/// </summary>
public sealed class SessionOwnerPersistenceTests : IDisposable
{
    private const string CommandTopic = "mh/v1/f1/u1/dev42/cmd";

    private readonly StorageTestDirectory _data = new();
    private readonly ConnectAuthenticator _authenticator;
    private readonly string _usersDirectory = Path.Combine(Path.GetTempPath(), "mqtthealth-users-" + Guid.NewGuid().ToString("N"));

    public SessionOwnerPersistenceTests()
    {
        Directory.CreateDirectory(_usersDirectory);
        var hasher = new PasswordHasher(1000);
        string usersFile = Path.Combine(_usersDirectory, UserStore.DefaultFileName);
        UserStore.Save(usersFile,
        [
            new StoredUser("dev42", hasher.Hash("pw"u8), ["device"], new Dictionary<string, string>()),
            new StoredUser("station-u1", hasher.Hash("pw"u8), ["nurse"], new Dictionary<string, string>()),
        ]);
        _authenticator = new ConnectAuthenticator(UserStore.Open(usersFile), hasher, NullLogger<ConnectAuthenticator>.Instance);
    }

    public void Dispose()
    {
        _authenticator.Dispose();
        _data.Dispose();
        Directory.Delete(_usersDirectory, recursive: true);
    }

    [Fact]
    public async Task SessionOwner_AfterARestartOnTheSameDatabase_AnotherPrincipalIsRefused_AndTheOwnerResumesItsSession()
    {
        await using (var first = Start())
        {
            await using var owner = await RawMqttConnection.ConnectedAsync(first.Port, Persistent("bed-7", "dev42"));
            Assert.Equal((ReasonCode)QualityOfService.AtLeastOnce, (await owner.SubscribeAsync(CommandTopic, QualityOfService.AtLeastOnce)).ReasonCodes[0]);
            await owner.SendAsync(new DisconnectPacket());
            await owner.ExpectClosedAsync();
        }

        Assert.Equal("Password:dev42", _data.ExecuteString("SELECT owner FROM sessions WHERE client_id = 'bed-7'"));
        await using var restarted = Start();
        await QueueCommandAsync(restarted, "reboot");

        ConnAckPacket v5 = await RawMqttConnection.RefusedAsync(restarted.Port, Persistent("bed-7", "station-u1"));
        ConnAckPacket v311 = await RawMqttConnection.RefusedAsync(restarted.Port, Persistent("bed-7", "station-u1", MqttProtocolVersion.V311));
        await using var resumed = await RawMqttConnection.ConnectedAsync(restarted.Port, Persistent("bed-7", "dev42"));

        Assert.Equal(ReasonCode.NotAuthorized, v5.ReasonCode);
        Assert.Equal(ReasonCode.NotAuthorized, v311.ReasonCode); // return code 5 on 3.1.1
        Assert.True(resumed.LastConnAck!.SessionPresent);
        PublishPacket queued = await resumed.ExpectPublishAsync();
        Assert.Equal((CommandTopic, "reboot"), (queued.Topic, Encoding.UTF8.GetString(queued.Payload.Span)));
    }

    [Fact]
    public async Task Version1Session_IsClaimedByTheFirstPrincipalToConnect_AndTheClaimSurvivesARestart()
    {
        SchemaVersion1.Create(_data);

        // The fixture's session disconnected in 2023 with an hour to live: the first sweep would end it.
        _data.Execute($"UPDATE sessions SET session_expiry_interval = {uint.MaxValue}");

        await using (var migrated = Start())
        {
            await using var claimant = await RawMqttConnection.ConnectedAsync(migrated.Port, Persistent(SchemaVersion1.Bed7, "station-u1"));
            Assert.True(claimant.LastConnAck!.SessionPresent); // the version 1 session, its queued message included
            Assert.Equal("reboot", Encoding.UTF8.GetString((await claimant.ExpectPublishAsync()).Payload.Span));
            await claimant.SendAsync(new DisconnectPacket());
            await claimant.ExpectClosedAsync();
        }

        await using var restarted = Start();
        ConnAckPacket late = await RawMqttConnection.RefusedAsync(restarted.Port, Persistent(SchemaVersion1.Bed7, "dev42"));
        await using var claimed = await RawMqttConnection.ConnectedAsync(restarted.Port, Persistent(SchemaVersion1.Bed7, "station-u1"));

        Assert.Equal(ReasonCode.NotAuthorized, late.ReasonCode);
        Assert.True(claimed.LastConnAck!.SessionPresent);
        Assert.Equal("Password:station-u1", _data.ExecuteString($"SELECT owner FROM sessions WHERE client_id = '{SchemaVersion1.Bed7}'"));
    }

    private static ConnectPacket Persistent(string clientId, string user, MqttProtocolVersion version = MqttProtocolVersion.V500)
    {
        ConnectPacket connect = RawMqttConnection.Connect(clientId, version, cleanStart: false, sessionExpiry: version == MqttProtocolVersion.V500 ? 3600u : null);
        connect.UserName = user;
        connect.Password = "pw"u8.ToArray();
        return connect;
    }

    private static async Task QueueCommandAsync(InProcessBroker broker, string payload)
    {
        await using var station = await RawMqttConnection.ConnectedAsync(broker.Port, RawMqttConnection.ConnectWithPassword("station-1", "station-u1", "pw"));
        await station.PublishAsync(CommandTopic, payload, QualityOfService.AtLeastOnce, packetId: 1);
        Assert.Equal(ReasonCode.Success, (await station.ExpectAsync<PubAckPacket>()).ReasonCode);
    }

    private InProcessBroker Start() =>
        InProcessBroker.Start(o => o.AllowAnonymous = false, store: _data.OpenStore(), authenticator: _authenticator);
}
