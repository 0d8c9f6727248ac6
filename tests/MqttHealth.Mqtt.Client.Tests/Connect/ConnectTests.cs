using System.Net;
using System.Net.Sockets;
using MqttHealth.Broker.Testing;
using MqttHealth.Mqtt.Client.Tests.Infrastructure;
using MqttHealth.Mqtt.Packets;
using MqttHealth.Mqtt.Protocol;

namespace MqttHealth.Mqtt.Client.Tests.Connect;

public sealed class ConnectTests : IClassFixture<MosquittoFixture>
{
    private readonly MosquittoFixture _mosquitto;

    public ConnectTests(MosquittoFixture mosquitto) => _mosquitto = mosquitto;

    [Fact]
    public async Task Connect_V311WithAllOptions_ReturnsConnAckAndPublishesWillOnConnectionLoss()
    {
        string willTopic = TestClients.NewTopic("will");
        await using MqttClient watcher = await TestClients.ConnectAsync(_mosquitto.Port, MqttProtocolVersion.V311);
        await watcher.SubscribeAsync(willTopic, QualityOfService.AtLeastOnce);

        // The will is published when the connection ends without DISCONNECT: cut it through a proxy.
        await using var proxy = new MqttTestProxy(_mosquitto.Port);
        MqttClientOptions options = TestClients.Options(proxy.Port, MqttProtocolVersion.V311);
        options.KeepAliveSeconds = 30;
        options.UserName = "alice";
        options.Password = TestClients.Bytes("secret");
        options.Will = new MqttWill { Topic = willTopic, Payload = TestClients.Bytes("gone"), QoS = QualityOfService.AtLeastOnce };
        await using var client = new MqttClient(options);

        MqttClientConnectResult result = await client.ConnectAsync().WaitAsync(TestClients.Timeout);

        Assert.Equal(ReasonCode.Success, result.ReasonCode);
        Assert.False(result.SessionPresent);
        Assert.Equal(MqttProtocolVersion.V311, result.ProtocolVersion);
        Assert.Equal((ushort)30, result.KeepAliveSeconds);
        Assert.Equal(options.ClientId, result.ClientId);
        var connect = (ConnectPacket)proxy.Packets[0].Decode(MqttProtocolVersion.V311);
        Assert.Equal("alice", connect.UserName);
        Assert.Equal(willTopic, connect.Will!.Topic);
        Assert.Equal((ushort)30, connect.KeepAlive);

        proxy.CutAll();
        MqttApplicationMessage will = await watcher.ReceivedMessages.ReadAsync();
        Assert.Equal(willTopic, will.Topic);
        Assert.Equal("gone", TestClients.Text(will));
        MqttClientDisconnectedEventArgs lost = await client.Disconnection.WaitAsync(TestClients.Timeout);
        Assert.Equal(MqttClientErrorKind.ConnectionLost, lost.Kind);
    }

    [Fact]
    public async Task Connect_V5WithAllOptions_ReturnsConnAckProperties()
    {
        await using var proxy = new MqttTestProxy(_mosquitto.Port);
        MqttClientOptions options = TestClients.Options(proxy.Port);
        options.KeepAliveSeconds = 45;
        options.UserName = "bob";
        options.Password = TestClients.Bytes("pw");
        options.SessionExpiryInterval = 120;
        options.ReceiveMaximum = 50;
        options.MaximumPacketSize = 1 << 20;
        options.TopicAliasMaximum = 8;
        options.RequestProblemInformation = true;
        options.RequestResponseInformation = false;
        options.UserProperties.Add(new MqttUserProperty("site", "clinic-7"));
        await using var client = new MqttClient(options);

        MqttClientConnectResult result = await client.ConnectAsync().WaitAsync(TestClients.Timeout);

        Assert.Equal(ReasonCode.Success, result.ReasonCode);
        Assert.Equal(MqttProtocolVersion.V500, result.ProtocolVersion);
        Assert.Equal((ushort)45, result.KeepAliveSeconds);
        Assert.Equal(120u, result.SessionExpiryInterval);

        // Mosquitto 2.0 defaults: max_inflight_messages 20 -> Receive Maximum, max_topic_alias 10.
        Assert.Equal((ushort)20, result.ReceiveMaximum);
        Assert.Equal((ushort)10, result.TopicAliasMaximum);
        Assert.Equal(QualityOfService.ExactlyOnce, result.MaximumQoS);
        Assert.True(result.RetainAvailable);

        var connect = (ConnectPacket)proxy.Packets[0].Decode(MqttProtocolVersion.V500);
        Assert.Equal(120u, connect.Properties!.SessionExpiryInterval);
        Assert.Equal((ushort)50, connect.Properties.ReceiveMaximum);
        Assert.Equal(1u << 20, connect.Properties.MaximumPacketSize);
        Assert.Equal((ushort)8, connect.Properties.TopicAliasMaximum);
        Assert.True(connect.Properties.RequestProblemInformation);
        Assert.False(connect.Properties.RequestResponseInformation);
        Assert.Equal(new MqttUserProperty("site", "clinic-7"), Assert.Single(connect.Properties.UserProperties));
        Assert.True(connect.CleanStart);
    }

    [Fact]
    public async Task Connect_V5WillWithPropertiesAndDelay_IsSentAndPublishedOnDisconnectWithWill()
    {
        string willTopic = TestClients.NewTopic("will");
        await using MqttClient watcher = await TestClients.ConnectAsync(_mosquitto.Port);
        await watcher.SubscribeAsync(willTopic, QualityOfService.AtLeastOnce);
        await using var proxy = new MqttTestProxy(_mosquitto.Port);
        MqttClientOptions options = TestClients.Options(proxy.Port);
        options.SessionExpiryInterval = 30;
        var willProperties = new MqttProperties { WillDelayInterval = 1, ContentType = "text/plain" };
        willProperties.UserProperties.Add(new MqttUserProperty("reason", "test"));
        options.Will = new MqttWill { Topic = willTopic, Payload = TestClients.Bytes("bye"), QoS = QualityOfService.AtLeastOnce, Properties = willProperties };
        await using var client = new MqttClient(options);
        await client.ConnectAsync().WaitAsync(TestClients.Timeout);

        await client.DisconnectAsync(ReasonCode.DisconnectWithWillMessage);
        MqttApplicationMessage will = await watcher.ReceivedMessages.ReadAsync().AsTask().WaitAsync(TestClients.Timeout);

        var connect = (ConnectPacket)proxy.Packets[0].Decode(MqttProtocolVersion.V500);
        Assert.Equal(1u, connect.Will!.Properties!.WillDelayInterval);

        // The proxy records a packet after forwarding it, so the will can arrive before the DISCONNECT is in its list.
        ProxiedPacket disconnectPacket = await proxy.WaitForPacketAsync(p => p.Type == MqttPacketType.Disconnect, TestClients.Timeout);
        var disconnect = (DisconnectPacket)disconnectPacket.Decode(MqttProtocolVersion.V500);
        Assert.Equal(ReasonCode.DisconnectWithWillMessage, disconnect.ReasonCode);
        Assert.Equal("bye", TestClients.Text(will));
        Assert.Equal("text/plain", will.Properties?.ContentType);
        Assert.Contains(new MqttUserProperty("reason", "test"), will.Properties!.UserProperties);
    }

    [Fact]
    public async Task Connect_V5EmptyClientId_UsesAssignedClientIdentifierForLaterConnects()
    {
        MqttClientOptions options = TestClients.Options(_mosquitto.Port, clientId: string.Empty);
        options.CleanStart = true;
        options.SessionExpiryInterval = 60;
        await using var client = new MqttClient(options);

        MqttClientConnectResult first = await client.ConnectAsync().WaitAsync(TestClients.Timeout);
        Assert.False(string.IsNullOrEmpty(first.AssignedClientIdentifier));
        Assert.Equal(first.AssignedClientIdentifier, client.ClientId);
        Assert.Equal(first.AssignedClientIdentifier, first.ClientId);
        await client.DisconnectAsync();

        // Same (assigned) identifier and a session that outlived the connection: the server resumes it.
        options.CleanStart = false;
        MqttClientConnectResult second = await client.ConnectAsync().WaitAsync(TestClients.Timeout);
        Assert.True(second.SessionPresent);
        Assert.Equal(first.AssignedClientIdentifier, second.ClientId);
    }

    [Fact]
    public async Task Connect_V5ServerKeepAlive_ReplacesRequestedKeepAlive()
    {
        await using MosquittoBroker broker = await MosquittoBroker.StartAsync("max_keepalive 10");
        MqttClientOptions options = TestClients.Options(broker.Port);
        options.KeepAliveSeconds = 60;
        await using var client = new MqttClient(options);

        MqttClientConnectResult result = await client.ConnectAsync().WaitAsync(TestClients.Timeout);

        Assert.Equal((ushort)10, result.ServerKeepAlive);
        Assert.Equal((ushort)10, result.KeepAliveSeconds);
    }

    [Fact]
    public async Task Connect_NothingListening_ThrowsConnectFailed()
    {
        int port;
        using (var listener = new TcpListenerScope())
        {
            port = listener.Port;
        }

        await using var client = new MqttClient(TestClients.Options(port));

        var error = await Assert.ThrowsAsync<MqttClientException>(() => client.ConnectAsync().WaitAsync(TestClients.Timeout));

        Assert.Equal(MqttClientErrorKind.ConnectFailed, error.Kind);
        Assert.False(client.IsConnected);
    }

    [Fact]
    public async Task Connect_ServerNeverSendsConnAck_ThrowsConnectTimeout()
    {
        await using var server = new ScriptedMqttServer();
        MqttClientOptions options = TestClients.Options(server.Port);
        options.ConnectTimeout = TimeSpan.FromMilliseconds(500);
        await using var client = new MqttClient(options);

        Task<MqttClientConnectResult> connecting = client.ConnectAsync();
        ScriptedConnection connection = await server.AcceptAsync(TestClients.Timeout);
        await connection.ExpectAsync<ConnectPacket>(TestClients.Timeout);
        var error = await Assert.ThrowsAsync<MqttClientException>(() => connecting.WaitAsync(TestClients.Timeout));

        Assert.Equal(MqttClientErrorKind.ConnectTimeout, error.Kind);
        Assert.Null(await connection.ReadAsync(TestClients.Timeout));
    }

    [Fact]
    public async Task Connect_WhenAlreadyConnected_ThrowsInvalidOperation()
    {
        await using MqttClient client = await TestClients.ConnectAsync(_mosquitto.Port);

        await Assert.ThrowsAsync<InvalidOperationException>(() => client.ConnectAsync());
        Assert.True(client.IsConnected);
    }

    [Fact]
    public async Task Disconnect_V5_ReportsClientInitiatedAndAllowsReconnect()
    {
        await using MqttClient client = await TestClients.ConnectAsync(_mosquitto.Port);
        var raised = new TaskCompletionSource<MqttClientDisconnectedEventArgs>(TaskCreationOptions.RunContinuationsAsynchronously);
        client.Disconnected += (_, e) => raised.TrySetResult(e);

        await client.DisconnectAsync();

        MqttClientDisconnectedEventArgs info = await client.Disconnection.WaitAsync(TestClients.Timeout);
        Assert.True(info.ClientInitiated);
        Assert.Same(info, await raised.Task.WaitAsync(TestClients.Timeout));
        Assert.False(client.IsConnected);
        await Assert.ThrowsAsync<MqttClientException>(() => client.PublishAsync("a/b", TestClients.Bytes("x")).AsTask());

        await client.ConnectAsync().WaitAsync(TestClients.Timeout);
        Assert.True(client.IsConnected);
        Assert.False(client.Disconnection.IsCompleted);
    }

    /// <summary>Reserves a loopback port and releases it, so that nothing listens there.</summary>
    private sealed class TcpListenerScope : IDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);

        public TcpListenerScope()
        {
            _listener.Start();
            Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        }

        public int Port { get; }

        public void Dispose() => _listener.Stop();
    }
}
