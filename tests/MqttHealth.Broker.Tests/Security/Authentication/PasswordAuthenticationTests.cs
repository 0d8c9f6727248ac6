using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using MqttHealth.Broker.Hosting;
using MqttHealth.Broker.Security.Authentication;
using MqttHealth.Broker.Tests.Infrastructure;
using MqttHealth.Mqtt.Packets;
using MqttHealth.Mqtt.Protocol;

namespace MqttHealth.Broker.Tests.Security.Authentication;

/// <summary>
/// CONNECT with user name and password against the engine on loopback, with a users file written by the
/// <c>users add</c> verb. Anonymous access is off unless a test says otherwise.
/// </summary>
public sealed class PasswordAuthenticationTests : IAsyncLifetime, IDisposable
{
    private readonly TempDataDirectory _data = new();
    private readonly TempDataDirectory _contentRoot = new();
    private ConnectAuthenticator? _authenticator;
    private InProcessBroker? _broker;

    private InProcessBroker Broker => _broker!;

    public async Task InitializeAsync()
    {
        AddUser("alice", "right-password", "--role", "nurse", "--attr", "facility=f1");
        await StartAsync(allowAnonymous: false);
    }

    public async Task DisposeAsync()
    {
        if (_broker is not null)
        {
            await _broker.DisposeAsync();
        }
    }

    public void Dispose()
    {
        _authenticator?.Dispose();
        _data.Dispose();
        _contentRoot.Dispose();
    }

    [Theory]
    [InlineData(MqttProtocolVersion.V500)]
    [InlineData(MqttProtocolVersion.V311)]
    public async Task Connect_RightPassword_IsAccepted(MqttProtocolVersion version)
    {
        await using var client = await RawMqttConnection.OpenAsync(Broker.Port, version);

        ConnAckPacket connack = await client.ConnectAsync(RawMqttConnection.ConnectWithPassword("c1", "alice", "right-password", version));

        Assert.Equal(ReasonCode.Success, connack.ReasonCode);
        await client.SendAsync(PingReqPacket.Instance);
        await client.ExpectAsync<PingRespPacket>(); // still connected
    }

    [Theory]
    [InlineData(MqttProtocolVersion.V500)]
    [InlineData(MqttProtocolVersion.V311)]
    public async Task Connect_WrongPasswordOrUnknownUser_SameRefusal(MqttProtocolVersion version)
    {
        ConnAckPacket wrongPassword = await RawMqttConnection.RefusedAsync(Broker.Port, RawMqttConnection.ConnectWithPassword("c2", "alice", "wrong-password", version));
        ConnAckPacket unknownUser = await RawMqttConnection.RefusedAsync(Broker.Port, RawMqttConnection.ConnectWithPassword("c3", "mallory", "right-password", version));

        // 0x86 Bad User Name or Password; on 3.1.1 the codec carries it as return code 4.
        Assert.Equal(ReasonCode.BadUserNameOrPassword, wrongPassword.ReasonCode);
        Assert.Equal(ReasonCode.BadUserNameOrPassword, unknownUser.ReasonCode);
        Assert.Equal(wrongPassword.Properties?.ReasonString, unknownUser.Properties?.ReasonString);
        Assert.Equal(wrongPassword.SessionPresent, unknownUser.SessionPresent);
    }

    [Fact]
    public async Task Connect_V311WrongPassword_ReturnCode4OnTheWire()
    {
        await using var client = await RawMqttConnection.OpenAsync(Broker.Port, MqttProtocolVersion.V311);
        await client.SendAsync(RawMqttConnection.ConnectWithPassword("c4", "alice", "nope", MqttProtocolVersion.V311));

        byte[]? connack = await client.ReadRawAsync();

        Assert.Equal(new byte[] { 0x20, 0x02, 0x00, 0x04 }, connack);
        await client.ExpectClosedAsync();
    }

    [Theory]
    [InlineData(MqttProtocolVersion.V500, ReasonCode.NotAuthorized)]
    [InlineData(MqttProtocolVersion.V311, ReasonCode.NotAuthorized)]
    public async Task Connect_NoCredentialsWithoutAllowAnonymous_NotAuthorized(MqttProtocolVersion version, ReasonCode expected)
    {
        ConnAckPacket connack = await RawMqttConnection.RefusedAsync(Broker.Port, RawMqttConnection.Connect("c5", version));

        Assert.Equal(expected, connack.ReasonCode); // 0x87, return code 5 on 3.1.1
    }

    [Fact]
    public async Task Connect_V5PasswordWithoutUserName_BadUserNameOrPassword()
    {
        var connect = RawMqttConnection.Connect("c6");
        connect.Password = Encoding.UTF8.GetBytes("right-password");

        ConnAckPacket connack = await RawMqttConnection.RefusedAsync(Broker.Port, connect);

        Assert.Equal(ReasonCode.BadUserNameOrPassword, connack.ReasonCode);
    }

    [Fact]
    public async Task Connect_AllowAnonymous_NoCredentialsAcceptedButBadCredentialsStillRefused()
    {
        await Broker.DisposeAsync();
        _broker = null;
        await StartAsync(allowAnonymous: true);

        await using var anonymous = await RawMqttConnection.ConnectedAsync(Broker.Port, RawMqttConnection.Connect("c7"));
        ConnAckPacket refused = await RawMqttConnection.RefusedAsync(Broker.Port, RawMqttConnection.ConnectWithPassword("c8", "alice", "wrong-password", MqttProtocolVersion.V500));

        Assert.Equal(ReasonCode.BadUserNameOrPassword, refused.ReasonCode);
    }

    [Fact]
    public async Task Connect_UserAddedWhileRunning_IsAcceptedWithoutRestart()
    {
        AddUser("bob", "bobs-password");

        await using var client = await RawMqttConnection.ConnectedAsync(Broker.Port, RawMqttConnection.ConnectWithPassword("c9", "bob", "bobs-password", MqttProtocolVersion.V500));

        Assert.Equal(ReasonCode.Success, client.LastConnAck!.ReasonCode);
    }

    [Fact]
    public async Task Connect_PublishSentRightBehindConnect_IsHandledAfterTheCheck()
    {
        // CONNECT and PUBLISH in one write: the PUBLISH waits in the buffer while the password is checked.
        await using var subscriber = await RawMqttConnection.ConnectedAsync(Broker.Port, RawMqttConnection.ConnectWithPassword("sub", "alice", "right-password", MqttProtocolVersion.V500));
        await subscriber.SubscribeAsync("mh/v1/pipelined", QualityOfService.AtMostOnce);
        await using var publisher = await RawMqttConnection.OpenAsync(Broker.Port);
        var bytes = new System.Buffers.ArrayBufferWriter<byte>();
        Mqtt.Codec.MqttPacketEncoder.Encode(RawMqttConnection.ConnectWithPassword("pub", "alice", "right-password", MqttProtocolVersion.V500), MqttProtocolVersion.V500, bytes);
        Mqtt.Codec.MqttPacketEncoder.Encode(new PublishPacket { Topic = "mh/v1/pipelined", Payload = "x"u8.ToArray() }, MqttProtocolVersion.V500, bytes);

        await publisher.SendRawAsync(bytes.WrittenMemory);

        Assert.Equal(ReasonCode.Success, (await publisher.ExpectAsync<ConnAckPacket>()).ReasonCode);
        Assert.Equal("mh/v1/pipelined", (await subscriber.ExpectPublishAsync()).Topic);
    }

    private void AddUser(string name, string password, params string[] extra)
    {
        string[] args = ["add", name, .. extra, "--password-stdin", "--data", _data.Path, "--Broker:Security:PasswordIterations", "1000"];
        var error = new StringWriter();
        int code = UsersCommand.Run(args, _contentRoot.Path, "Production", new StringReader(password + "\n"), inputIsTerminal: false, TextWriter.Null, error);
        Assert.True(code == BrokerExitCodes.Ok, error.ToString());
    }

    private Task StartAsync(bool allowAnonymous)
    {
        _authenticator?.Dispose();
        var users = UserStore.Open(Path.Combine(_data.Path, UserStore.DefaultFileName));
        _authenticator = new ConnectAuthenticator(users, new PasswordHasher(1000), NullLogger<ConnectAuthenticator>.Instance);
        _broker = InProcessBroker.Start(o => o.AllowAnonymous = allowAnonymous, authenticator: _authenticator);
        return Task.CompletedTask;
    }
}
