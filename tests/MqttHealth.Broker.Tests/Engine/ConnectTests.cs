using MqttHealth.Broker.Tests.Infrastructure;
using MqttHealth.Mqtt.Packets;
using MqttHealth.Mqtt.Protocol;

namespace MqttHealth.Broker.Tests.Engine;

/// <summary>CONNECT handling: the first packet, refusals with their exact codes, and what CONNACK tells a 5.0 client.</summary>
public class ConnectTests
{
    [Fact]
    public async Task FirstPacket_NotConnect_ClosedWithoutAnyPacket()
    {
        await using var broker = InProcessBroker.Start();
        await using var raw = await RawMqttConnection.OpenAsync(broker.Port);

        await raw.SendAsync(PingReqPacket.Instance);

        // [MQTT-3.1.0-1]: the first packet must be CONNECT; nothing is answered before a CONNECT.
        Assert.Empty(await raw.ExpectClosedAsync());
    }

    [Fact]
    public async Task SecondConnect_V5_Disconnect0x82AndClosed()
    {
        await using var broker = InProcessBroker.Start();
        await using var raw = await RawMqttConnection.OpenAsync(broker.Port);
        var connack = await raw.ConnectAsync(RawMqttConnection.Connect("second-connect"));
        Assert.Equal(ReasonCode.Success, connack.ReasonCode);

        await raw.SendAsync(RawMqttConnection.Connect("second-connect"));

        // [MQTT-3.1.0-2]: a second CONNECT is a Protocol Error.
        await raw.ExpectDisconnectAndCloseAsync(ReasonCode.ProtocolError);
    }

    [Fact]
    public async Task SecondConnect_V311_ClosedWithoutDisconnect()
    {
        await using var broker = InProcessBroker.Start();
        await using var raw = await RawMqttConnection.OpenAsync(broker.Port);
        var connack = await raw.ConnectAsync(RawMqttConnection.Connect("second-311", MqttProtocolVersion.V311));
        Assert.Equal(ReasonCode.Success, connack.ReasonCode);

        await raw.SendAsync(RawMqttConnection.Connect("second-311", MqttProtocolVersion.V311));

        // 3.1.1 has no server DISCONNECT: the connection is just closed [MQTT-3.1.0-2].
        Assert.Empty(await raw.ExpectClosedAsync());
    }

    [Theory]
    [InlineData("MQTT", 6)]
    [InlineData("MQTT", 3)]
    [InlineData("MQIsdp", 3)]
    public async Task Connect_UnsupportedProtocolLevel_ConnAckReturnCode1ThenClosed(string protocolName, byte level)
    {
        await using var broker = InProcessBroker.Start();
        await using var raw = await RawMqttConnection.OpenAsync(broker.Port, MqttProtocolVersion.V311);

        // Hand-made: the encoder only writes levels 4 and 5. Name, level, flags (clean), keep alive 0, client id "x".
        var body = new List<byte> { 0x00, (byte)protocolName.Length };
        body.AddRange(System.Text.Encoding.ASCII.GetBytes(protocolName));
        body.AddRange(new byte[] { level, 0x02, 0x00, 0x00, 0x00, 0x01, (byte)'x' });
        await raw.SendRawAsync(new byte[] { 0x10, (byte)body.Count }.Concat(body).ToArray());

        // [MQTT-3.1.2-2]: CONNACK with return code 0x01 (unacceptable protocol level), in the 3.1.1 form
        // every client version can read, then the connection is closed.
        Assert.Equal(new byte[] { 0x20, 0x02, 0x00, 0x01 }, await raw.ReadRawAsync());
        Assert.Empty(await raw.ExpectClosedAsync());
    }

    [Fact]
    public async Task EmptyClientId_V5_AssignedClientIdentifierInConnAck()
    {
        await using var broker = InProcessBroker.Start();
        await using var first = await RawMqttConnection.OpenAsync(broker.Port);
        var firstAck = await first.ConnectAsync(RawMqttConnection.Connect(string.Empty));
        await using var second = await RawMqttConnection.OpenAsync(broker.Port);
        var secondAck = await second.ConnectAsync(RawMqttConnection.Connect(string.Empty));

        // [MQTT-3.1.3-6], [MQTT-3.2.2-16]: a unique identifier is assigned and returned.
        Assert.Equal(ReasonCode.Success, firstAck.ReasonCode);
        Assert.False(string.IsNullOrEmpty(firstAck.Properties?.AssignedClientIdentifier));
        Assert.False(string.IsNullOrEmpty(secondAck.Properties?.AssignedClientIdentifier));
        Assert.NotEqual(firstAck.Properties!.AssignedClientIdentifier, secondAck.Properties!.AssignedClientIdentifier);
    }

    [Fact]
    public async Task ClientIdGiven_V5_NoAssignedClientIdentifier()
    {
        await using var broker = InProcessBroker.Start();
        await using var raw = await RawMqttConnection.OpenAsync(broker.Port);
        var connack = await raw.ConnectAsync(RawMqttConnection.Connect("has-an-id"));

        Assert.Null(connack.Properties?.AssignedClientIdentifier);
    }

    [Fact]
    public async Task EmptyClientId_V311CleanSessionFalse_ReturnCode2ThenClosed()
    {
        await using var broker = InProcessBroker.Start();
        await using var raw = await RawMqttConnection.OpenAsync(broker.Port, MqttProtocolVersion.V311);

        await raw.SendAsync(RawMqttConnection.Connect(string.Empty, MqttProtocolVersion.V311, cleanStart: false));

        // 3.1.1 [MQTT-3.1.3-8]: return code 0x02 (identifier rejected), then close.
        Assert.Equal(new byte[] { 0x20, 0x02, 0x00, 0x02 }, await raw.ReadRawAsync());
        Assert.Empty(await raw.ExpectClosedAsync());
    }

    [Fact]
    public async Task EmptyClientId_V311CleanSessionTrue_Accepted()
    {
        await using var broker = InProcessBroker.Start();
        await using var raw = await RawMqttConnection.OpenAsync(broker.Port, MqttProtocolVersion.V311);

        await raw.SendAsync(RawMqttConnection.Connect(string.Empty, MqttProtocolVersion.V311, cleanStart: true));

        // [MQTT-3.1.3-7]: accepted; 3.1.1 CONNACK: session present 0, return code 0.
        Assert.Equal(new byte[] { 0x20, 0x02, 0x00, 0x00 }, await raw.ReadRawAsync());
    }

    [Fact]
    public async Task AnonymousOff_V5_ConnAck0x87ThenClosed()
    {
        await using var broker = InProcessBroker.Start(o => o.AllowAnonymous = false);
        await using var raw = await RawMqttConnection.OpenAsync(broker.Port);

        await raw.SendAsync(RawMqttConnection.Connect("anonymous"));

        var connack = await raw.ExpectAsync<ConnAckPacket>();
        Assert.Equal(ReasonCode.NotAuthorized, connack.ReasonCode);
        Assert.False(connack.SessionPresent);
        Assert.Empty(await raw.ExpectClosedAsync());
    }

    [Fact]
    public async Task AnonymousOff_V311_ReturnCode5ThenClosed()
    {
        await using var broker = InProcessBroker.Start(o => o.AllowAnonymous = false);
        await using var raw = await RawMqttConnection.OpenAsync(broker.Port, MqttProtocolVersion.V311);

        await raw.SendAsync(RawMqttConnection.Connect("anonymous", MqttProtocolVersion.V311));

        Assert.Equal(new byte[] { 0x20, 0x02, 0x00, 0x05 }, await raw.ReadRawAsync());
        Assert.Empty(await raw.ExpectClosedAsync());
    }

    [Fact]
    public async Task AuthenticationMethod_V5_ConnAck0x8CThenClosed()
    {
        await using var broker = InProcessBroker.Start();
        await using var raw = await RawMqttConnection.OpenAsync(broker.Port);
        var connect = RawMqttConnection.Connect("scram");
        connect.Properties = new MqttProperties { AuthenticationMethod = "SCRAM-SHA-256", AuthenticationData = new byte[] { 1, 2, 3 } };

        await raw.SendAsync(connect);

        // Enhanced authentication is not offered: 0x8C Bad authentication method (5.0 §4.12, [MQTT-4.12.0-1]).
        var connack = await raw.ExpectAsync<ConnAckPacket>();
        Assert.Equal(ReasonCode.BadAuthenticationMethod, connack.ReasonCode);
        Assert.Empty(await raw.ExpectClosedAsync());
    }

    [Fact]
    public async Task ConnAck_V5_CarriesReceiveMaximumPacketSizeAndTopicAliasMaximum()
    {
        await using var broker = InProcessBroker.Start(o =>
        {
            o.ReceiveMaximum = 17;
            o.MaximumPacketSize = 4096;
            o.TopicAliasMaximum = 9;
        });
        await using var raw = await RawMqttConnection.OpenAsync(broker.Port);
        var connack = await raw.ConnectAsync(RawMqttConnection.Connect("limits", sessionExpiry: 30));

        Assert.Equal(ReasonCode.Success, connack.ReasonCode);
        Assert.False(connack.SessionPresent);
        var p = connack.Properties;
        Assert.NotNull(p);
        Assert.Equal((ushort)17, p.ReceiveMaximum);
        Assert.Equal(4096u, p.MaximumPacketSize);
        Assert.Equal((ushort)9, p.TopicAliasMaximum);

        // Not capped and not configured: the client's own values stand, so neither is sent.
        Assert.Null(p.SessionExpiryInterval);
        Assert.Null(p.ServerKeepAlive);
    }

    [Fact]
    public async Task ConnAck_SessionExpiryAboveMaximum_ReportsCappedInterval()
    {
        await using var broker = InProcessBroker.Start(o => o.MaximumSessionExpiryInterval = 60);
        await using var raw = await RawMqttConnection.OpenAsync(broker.Port);
        var connack = await raw.ConnectAsync(RawMqttConnection.Connect("capped", cleanStart: false, sessionExpiry: 3600));

        // 5.0 §3.2.2.3.2: the server tells the client the Session Expiry Interval it uses instead.
        Assert.Equal(60u, connack.Properties?.SessionExpiryInterval);
    }

    [Fact]
    public async Task ConnAck_ServerKeepAliveConfigured_ReportsServerKeepAlive()
    {
        await using var broker = InProcessBroker.Start(o => o.ServerKeepAlive = 5);
        await using var raw = await RawMqttConnection.OpenAsync(broker.Port);
        var connack = await raw.ConnectAsync(RawMqttConnection.Connect("ka", keepAlive: 60));

        // [MQTT-3.2.2-21]: the client must use the Server Keep Alive.
        Assert.Equal((ushort)5, connack.Properties?.ServerKeepAlive);
    }

    [Fact]
    public async Task ConnAck_MaximumQoSConfigured_ReportsMaximumQoS()
    {
        await using var broker = InProcessBroker.Start(o => o.MaximumQoS = QualityOfService.AtLeastOnce);
        await using var raw = await RawMqttConnection.OpenAsync(broker.Port);
        var connack = await raw.ConnectAsync(RawMqttConnection.Connect("maxqos"));

        Assert.Equal(QualityOfService.AtLeastOnce, connack.Properties?.MaximumQoS);
    }

    [Fact]
    public async Task ConnAck_V311_NoPropertiesAndSessionPresentFalse()
    {
        await using var broker = InProcessBroker.Start();
        await using var raw = await RawMqttConnection.OpenAsync(broker.Port, MqttProtocolVersion.V311);

        await raw.SendAsync(RawMqttConnection.Connect("v311", MqttProtocolVersion.V311, cleanStart: false));

        Assert.Equal(new byte[] { 0x20, 0x02, 0x00, 0x00 }, await raw.ReadRawAsync());
    }

    [Fact]
    public async Task Connect_WillQoSAboveMaximumQoS_ConnAck0x9BThenClosed()
    {
        await using var broker = InProcessBroker.Start(o => o.MaximumQoS = QualityOfService.AtLeastOnce);
        await using var raw = await RawMqttConnection.OpenAsync(broker.Port);
        var will = new MqttWill { Topic = "will/topic", Payload = new byte[] { 1 }, QoS = QualityOfService.ExactlyOnce };

        var connack = await raw.ConnectAsync(RawMqttConnection.Connect("will-qos2", will: will));

        // [MQTT-3.2.2-12]: a Will QoS above the server's maximum is refused, with 0x9B (QoS not supported).
        Assert.Equal(ReasonCode.QoSNotSupported, connack.ReasonCode);
        Assert.Empty(await raw.ExpectClosedAsync());
    }

    [Fact]
    public async Task ConnAck_RefusalWithReasonString_NotLargerThanTheClientMaximumPacketSize()
    {
        await using var broker = InProcessBroker.Start(o => o.AllowAnonymous = false);
        await using var raw = await RawMqttConnection.OpenAsync(broker.Port);

        await raw.SendAsync(RawMqttConnection.Connect("tiny", maximumPacketSize: 32));
        var bytes = await raw.ReadRawAsync();

        // [MQTT-3.2.2-19]: no Reason String if it would make the CONNACK larger than the client's
        // Maximum Packet Size; [MQTT-3.1.2-24]: no packet larger than that at all.
        Assert.NotNull(bytes);
        Assert.True(bytes.Length <= 32, $"CONNACK of {bytes.Length} bytes to a client whose Maximum Packet Size is 32");
        Assert.Equal(0x87, bytes[3]);
    }

    [Fact]
    public async Task EmptyClientId_V5PersistentSession_ResumableWithTheAssignedIdentifier()
    {
        await using var broker = InProcessBroker.Start();
        string assigned;
        await using (var first = await RawMqttConnection.ConnectedAsync(broker.Port, RawMqttConnection.Connect(string.Empty, cleanStart: false, sessionExpiry: 300)))
        {
            assigned = first.LastConnAck!.Properties!.AssignedClientIdentifier!;
            await first.SendAsync(new DisconnectPacket());
            await first.ExpectClosedAsync();
        }

        await Eventually.ClientsConnectedAsync(broker, 0);
        await using var second = await RawMqttConnection.ConnectedAsync(broker.Port, RawMqttConnection.Connect(assigned, cleanStart: false, sessionExpiry: 300));

        Assert.True(second.LastConnAck!.SessionPresent);
    }

    [Fact]
    public async Task Auth_WithoutAuthenticationMethodInConnect_Disconnect0x82()
    {
        await using var broker = InProcessBroker.Start();
        await using var raw = await RawMqttConnection.ConnectedAsync(broker.Port, RawMqttConnection.Connect("no-auth"));

        await raw.SendAsync(new AuthPacket { ReasonCode = ReasonCode.ReAuthenticate, Properties = new MqttProperties { AuthenticationMethod = "SCRAM-SHA-256" } });

        // [MQTT-4.12.0-1]-[MQTT-4.12.0-2]: AUTH without an Authentication Method in CONNECT is a Protocol Error.
        await raw.ExpectDisconnectAndCloseAsync(ReasonCode.ProtocolError);
    }
}
