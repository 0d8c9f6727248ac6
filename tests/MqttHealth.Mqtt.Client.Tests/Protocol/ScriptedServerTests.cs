using MqttHealth.Mqtt.Client.Tests.Infrastructure;
using MqttHealth.Mqtt.Packets;
using MqttHealth.Mqtt.Protocol;

namespace MqttHealth.Mqtt.Client.Tests.Protocol;

/// <summary>Server behaviour Mosquitto does not produce on demand, played by <see cref="ScriptedMqttServer"/>.</summary>
public sealed class ScriptedServerTests : IAsyncDisposable
{
    private readonly ScriptedMqttServer _server = new();

    public ValueTask DisposeAsync() => _server.DisposeAsync();

    [Fact]
    public async Task IncomingQoS2_ResentBeforePubRel_IsDeliveredOnceAndCompleted()
    {
        (MqttClient client, ScriptedConnection server) = await ConnectAsync(_ => { });
        await using MqttClient _ = client;
        var publish = new PublishPacket { Topic = "cmd/x", QoS = QualityOfService.ExactlyOnce, PacketId = 5, Payload = TestClients.Bytes("once") };

        await server.SendAsync(publish);
        Assert.Equal((ushort)5, (await server.ExpectAsync<PubRecPacket>(TestClients.Timeout)).PacketId);
        publish.Dup = true;
        await server.SendAsync(publish);
        Assert.Equal((ushort)5, (await server.ExpectAsync<PubRecPacket>(TestClients.Timeout)).PacketId);
        await server.SendAsync(new PubRelPacket { PacketId = 5 });
        PubCompPacket completed = await server.ExpectAsync<PubCompPacket>(TestClients.Timeout);
        await server.SendAsync(new PubRelPacket { PacketId = 5 });
        PubCompPacket unknown = await server.ExpectAsync<PubCompPacket>(TestClients.Timeout);
        await server.SendAsync(new PublishPacket { Topic = "cmd/x", Payload = TestClients.Bytes("marker") });

        Assert.Equal((5, ReasonCode.Success), (completed.PacketId, completed.ReasonCode));
        Assert.Equal((5, ReasonCode.PacketIdentifierNotFound), (unknown.PacketId, unknown.ReasonCode));
        Assert.Equal("once", TestClients.Text(await client.ReceivedMessages.ReadAsync()));
        Assert.Equal("marker", TestClients.Text(await client.ReceivedMessages.ReadAsync()));
    }

    [Fact]
    public async Task IncomingQoS2_MoreThanReceiveMaximumUnreleased_DisconnectsWith0x93()
    {
        (MqttClient client, ScriptedConnection server) = await ConnectAsync(o => o.ReceiveMaximum = 2);
        await using MqttClient _ = client;

        for (ushort id = 1; id <= 3; id++)
        {
            await server.SendAsync(new PublishPacket { Topic = "t", QoS = QualityOfService.ExactlyOnce, PacketId = id, Payload = TestClients.Bytes("x") });
        }

        Assert.Equal((ushort)1, (await server.ExpectAsync<PubRecPacket>(TestClients.Timeout)).PacketId);
        Assert.Equal((ushort)2, (await server.ExpectAsync<PubRecPacket>(TestClients.Timeout)).PacketId);
        Assert.Equal(ReasonCode.ReceiveMaximumExceeded, (await server.ExpectAsync<DisconnectPacket>(TestClients.Timeout)).ReasonCode);
        MqttClientDisconnectedEventArgs info = await client.Disconnection.WaitAsync(TestClients.Timeout);
        Assert.Equal((MqttClientErrorKind.ProtocolViolation, ReasonCode.ReceiveMaximumExceeded), (info.Kind, info.ReasonCode));
    }

    [Fact]
    public async Task MalformedPacket_QoS3Publish_DisconnectsWith0x81()
    {
        (MqttClient client, ScriptedConnection server) = await ConnectAsync(_ => { });
        await using MqttClient _ = client;

        // PUBLISH with both QoS bits set [MQTT-3.3.1-4]: topic "a", packet id 1, no properties.
        await server.SendRawAsync([0x36, 0x06, 0x00, 0x01, (byte)'a', 0x00, 0x01, 0x00]);

        Assert.Equal(ReasonCode.MalformedPacket, (await server.ExpectAsync<DisconnectPacket>(TestClients.Timeout)).ReasonCode);
        MqttClientDisconnectedEventArgs info = await client.Disconnection.WaitAsync(TestClients.Timeout);
        Assert.Equal(MqttClientErrorKind.ProtocolViolation, info.Kind);
        Assert.IsType<MqttProtocolException>(info.Exception);
        Assert.Null(await server.ReadAsync(TestClients.Timeout));
    }

    [Fact]
    public async Task IncomingPacket_LargerThanOurMaximumPacketSize_DisconnectsWith0x95()
    {
        (MqttClient client, ScriptedConnection server) = await ConnectAsync(o => o.MaximumPacketSize = 100);
        await using MqttClient _ = client;

        await server.SendAsync(new PublishPacket { Topic = "t", Payload = new byte[200] });

        Assert.Equal(ReasonCode.PacketTooLarge, (await server.ExpectAsync<DisconnectPacket>(TestClients.Timeout)).ReasonCode);
        Assert.Equal(ReasonCode.PacketTooLarge, (await client.Disconnection.WaitAsync(TestClients.Timeout)).ReasonCode);
    }

    [Fact]
    public async Task SubAck_WithFailureCodes_ReturnsThemPerFilter()
    {
        (MqttClient client, ScriptedConnection server) = await ConnectAsync(_ => { });
        await using MqttClient _ = client;

        Task<MqttClientSubscribeResult> subscribing = client.SubscribeAsync(
            [new MqttSubscription("ok/#", QualityOfService.AtLeastOnce), new MqttSubscription("no/#", QualityOfService.AtLeastOnce)]);
        SubscribePacket subscribe = await server.ExpectAsync<SubscribePacket>(TestClients.Timeout);
        await server.SendAsync(new SubAckPacket
        {
            PacketId = subscribe.PacketId,
            ReasonCodes = [ReasonCode.GrantedQoS1, ReasonCode.NotAuthorized],
            Properties = new MqttProperties { ReasonString = "no access to no/#" },
        });
        MqttClientSubscribeResult result = await subscribing.WaitAsync(TestClients.Timeout);

        Assert.Equal([ReasonCode.GrantedQoS1, ReasonCode.NotAuthorized], result.ReasonCodes);
        Assert.Equal("no access to no/#", result.ReasonString);
        Assert.True(client.IsConnected);
    }

    [Fact]
    public async Task SubAck_WithWrongNumberOfCodes_IsAProtocolViolation()
    {
        (MqttClient client, ScriptedConnection server) = await ConnectAsync(_ => { });
        await using MqttClient _ = client;

        Task<MqttClientSubscribeResult> subscribing = client.SubscribeAsync(
            [new MqttSubscription("a/#", QualityOfService.AtLeastOnce), new MqttSubscription("b/#", QualityOfService.AtLeastOnce)]);
        SubscribePacket subscribe = await server.ExpectAsync<SubscribePacket>(TestClients.Timeout);
        await server.SendAsync(new SubAckPacket { PacketId = subscribe.PacketId, ReasonCodes = [ReasonCode.GrantedQoS1] });

        var error = await Assert.ThrowsAsync<MqttClientException>(() => subscribing.WaitAsync(TestClients.Timeout));
        Assert.Equal(MqttClientErrorKind.ProtocolViolation, error.Kind);
        Assert.Equal(ReasonCode.ProtocolError, (await server.ExpectAsync<DisconnectPacket>(TestClients.Timeout)).ReasonCode);
    }

    [Fact]
    public async Task PubAck_WithFailureReasonAndReasonString_ThrowsPublishRefused()
    {
        (MqttClient client, ScriptedConnection server) = await ConnectAsync(_ => { });
        await using MqttClient _ = client;

        Task<MqttClientPublishResult> publishing = client.PublishAsync("q/x", TestClients.Bytes("x"), QualityOfService.AtLeastOnce).AsTask();
        PublishPacket publish = await server.ExpectAsync<PublishPacket>(TestClients.Timeout);
        await server.SendAsync(new PubAckPacket
        {
            PacketId = publish.PacketId,
            ReasonCode = ReasonCode.QuotaExceeded,
            Properties = new MqttProperties { ReasonString = "outbox full" },
        });

        var error = await Assert.ThrowsAsync<MqttClientException>(() => publishing.WaitAsync(TestClients.Timeout));
        Assert.Equal((MqttClientErrorKind.PublishRefused, ReasonCode.QuotaExceeded, "outbox full"), (error.Kind, error.ReasonCode, error.ReasonString));
        Assert.Contains("outbox full", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, client.InflightCount);
    }

    [Fact]
    public async Task ReceiveBuffer_Full_StopsAcknowledgingUntilTheApplicationReads()
    {
        (MqttClient client, ScriptedConnection server) = await ConnectAsync(o =>
        {
            o.ReceivedMessageCapacity = 2;
            o.KeepAliveSeconds = 0;
        });
        await using MqttClient _ = client;

        for (ushort id = 1; id <= 5; id++)
        {
            await server.SendAsync(new PublishPacket { Topic = "t", QoS = QualityOfService.AtLeastOnce, PacketId = id, Payload = TestClients.Bytes($"{id}") });
        }

        // Two messages fit in the buffer and are acknowledged; the third waits, unacknowledged, for the application.
        Assert.Equal((ushort)1, (await server.ExpectAsync<PubAckPacket>(TestClients.Timeout)).PacketId);
        Assert.Equal((ushort)2, (await server.ExpectAsync<PubAckPacket>(TestClients.Timeout)).PacketId);
        Task<PubAckPacket> third = server.ExpectAsync<PubAckPacket>(TestClients.Timeout);
        Assert.False(third.IsCompleted);
        Assert.Equal(2, client.ReceivedMessages.Count);

        Assert.Equal("1", TestClients.Text(await client.ReceivedMessages.ReadAsync()));
        Assert.Equal((ushort)3, (await third).PacketId);
        for (int i = 2; i <= 5; i++)
        {
            Assert.Equal($"{i}", TestClients.Text(await client.ReceivedMessages.ReadAsync()));
        }

        Assert.Equal((ushort)4, (await server.ExpectAsync<PubAckPacket>(TestClients.Timeout)).PacketId);
        Assert.Equal((ushort)5, (await server.ExpectAsync<PubAckPacket>(TestClients.Timeout)).PacketId);
    }

    [Fact]
    public async Task EnhancedAuthentication_ServerChallenge_IsAnsweredByTheHandler()
    {
        AuthPacket? challenge = null;
        MqttClientOptions options = TestClients.Options(_server.Port);
        options.AuthenticationMethod = "TEST-CHALLENGE";
        options.AuthenticationData = TestClients.Bytes("hello");
        options.AuthenticationHandler = (auth, _) =>
        {
            challenge = auth;
            return ValueTask.FromResult(new AuthPacket { Properties = new MqttProperties { AuthenticationData = TestClients.Bytes("response") } });
        };
        await using var client = new MqttClient(options);
        Task<MqttClientConnectResult> connecting = client.ConnectAsync();
        ScriptedConnection server = await _server.AcceptAsync(TestClients.Timeout);

        ConnectPacket connect = await server.ExpectAsync<ConnectPacket>(TestClients.Timeout);
        await server.SendAsync(new AuthPacket
        {
            ReasonCode = ReasonCode.ContinueAuthentication,
            Properties = new MqttProperties { AuthenticationMethod = "TEST-CHALLENGE", AuthenticationData = TestClients.Bytes("challenge") },
        });
        AuthPacket answer = await server.ExpectAsync<AuthPacket>(TestClients.Timeout);
        await server.SendAsync(new ConnAckPacket
        {
            ReasonCode = ReasonCode.Success,
            Properties = new MqttProperties { AuthenticationMethod = "TEST-CHALLENGE", AuthenticationData = TestClients.Bytes("done") },
        });
        MqttClientConnectResult result = await connecting.WaitAsync(TestClients.Timeout);

        Assert.Equal("TEST-CHALLENGE", connect.Properties!.AuthenticationMethod);
        Assert.Equal("hello", System.Text.Encoding.UTF8.GetString(connect.Properties.AuthenticationData!.Value.Span));
        Assert.Equal("challenge", System.Text.Encoding.UTF8.GetString(challenge!.Properties!.AuthenticationData!.Value.Span));
        Assert.Equal(ReasonCode.ContinueAuthentication, answer.ReasonCode);
        Assert.Equal("TEST-CHALLENGE", answer.Properties!.AuthenticationMethod);
        Assert.Equal("response", System.Text.Encoding.UTF8.GetString(answer.Properties.AuthenticationData!.Value.Span));
        Assert.Equal("done", System.Text.Encoding.UTF8.GetString(result.AuthenticationData!.Value.Span));
    }

    [Fact]
    public async Task ConnAck_SessionPresent_ResendsInOriginalOrderWithinTheNewReceiveMaximum()
    {
        MqttClientOptions options = TestClients.Options(_server.Port);
        options.CleanStart = false;
        options.SessionExpiryInterval = 60;
        await using var client = new MqttClient(options);
        Task<MqttClientConnectResult> connecting = client.ConnectAsync();
        ScriptedConnection first = await _server.AcceptAsync(TestClients.Timeout);
        await first.AcceptConnectAsync(TestClients.Timeout);
        await connecting.WaitAsync(TestClients.Timeout);

        var sends = new List<Task<MqttClientPublishResult>>();
        for (int i = 0; i < 4; i++)
        {
            sends.Add(client.PublishAsync($"t/{i}", TestClients.Bytes($"{i}"), QualityOfService.AtLeastOnce).AsTask());
        }

        var ids = new List<ushort>();
        for (int i = 0; i < 4; i++)
        {
            ids.Add((await first.ExpectAsync<PublishPacket>(TestClients.Timeout)).PacketId);
        }

        await first.DisposeAsync();
        await client.Disconnection.WaitAsync(TestClients.Timeout);

        // The resumed session only takes 2 at a time: two resends now, the others as PUBACKs free slots.
        connecting = client.ConnectAsync();
        ScriptedConnection second = await _server.AcceptAsync(TestClients.Timeout);
        await second.AcceptConnectAsync(TestClients.Timeout, new ConnAckPacket
        {
            SessionPresent = true,
            ReasonCode = ReasonCode.Success,
            Properties = new MqttProperties { ReceiveMaximum = 2 },
        });
        await connecting.WaitAsync(TestClients.Timeout);
        PublishPacket r1 = await second.ExpectAsync<PublishPacket>(TestClients.Timeout);
        PublishPacket r2 = await second.ExpectAsync<PublishPacket>(TestClients.Timeout);
        Task<PublishPacket> r3Task = second.ExpectAsync<PublishPacket>(TestClients.Timeout);
        Assert.False(r3Task.IsCompleted);
        await second.SendAsync(new PubAckPacket { PacketId = r1.PacketId });
        PublishPacket r3 = await r3Task;
        await second.SendAsync(new PubAckPacket { PacketId = r2.PacketId });
        PublishPacket r4 = await second.ExpectAsync<PublishPacket>(TestClients.Timeout);
        await second.SendAsync(new PubAckPacket { PacketId = r3.PacketId });
        await second.SendAsync(new PubAckPacket { PacketId = r4.PacketId });
        await Task.WhenAll(sends).WaitAsync(TestClients.Timeout);

        Assert.Equal(ids, [r1.PacketId, r2.PacketId, r3.PacketId, r4.PacketId]);
        Assert.Equal(["t/0", "t/1", "t/2", "t/3"], new[] { r1, r2, r3, r4 }.Select(p => p.Topic));
        Assert.All(new[] { r1, r2, r3, r4 }, p => Assert.True(p.Dup));
        Assert.Equal(ids, sends.Select(s => s.Result.PacketId));
    }

    [Fact]
    public async Task Subscribe_FeaturesTheServerDoesNotSupport_ThrowsBeforeSending()
    {
        MqttClientOptions options = TestClients.Options(_server.Port);
        await using var client = new MqttClient(options);
        Task<MqttClientConnectResult> connecting = client.ConnectAsync();
        ScriptedConnection server = await _server.AcceptAsync(TestClients.Timeout);
        await server.AcceptConnectAsync(TestClients.Timeout, new ConnAckPacket
        {
            ReasonCode = ReasonCode.Success,
            Properties = new MqttProperties
            {
                WildcardSubscriptionAvailable = false,
                SubscriptionIdentifierAvailable = false,
                SharedSubscriptionAvailable = false,
            },
        });
        await connecting.WaitAsync(TestClients.Timeout);
        var withIdentifier = new MqttProperties();
        withIdentifier.SubscriptionIdentifiers.Add(1);

        var wildcard = await Assert.ThrowsAsync<MqttClientException>(() => client.SubscribeAsync("a/+/c"));
        var shared = await Assert.ThrowsAsync<MqttClientException>(() => client.SubscribeAsync("$share/g/a/b"));
        var identifier = await Assert.ThrowsAsync<MqttClientException>(() => client.SubscribeAsync([new MqttSubscription("a/b", QualityOfService.AtMostOnce)], withIdentifier));
        Task<MqttClientSubscribeResult> plain = client.SubscribeAsync("a/b");
        SubscribePacket sent = await server.ExpectAsync<SubscribePacket>(TestClients.Timeout);
        await server.SendAsync(new SubAckPacket { PacketId = sent.PacketId, ReasonCodes = [ReasonCode.GrantedQoS0] });

        Assert.Equal((MqttClientErrorKind.LimitExceeded, ReasonCode.WildcardSubscriptionsNotSupported), (wildcard.Kind, wildcard.ReasonCode));
        Assert.Equal((MqttClientErrorKind.LimitExceeded, ReasonCode.SharedSubscriptionsNotSupported), (shared.Kind, shared.ReasonCode));
        Assert.Equal((MqttClientErrorKind.LimitExceeded, ReasonCode.SubscriptionIdentifiersNotSupported), (identifier.Kind, identifier.ReasonCode));
        Assert.Equal("a/b", Assert.Single(sent.Subscriptions).TopicFilter);
        Assert.Equal([ReasonCode.GrantedQoS0], (await plain.WaitAsync(TestClients.Timeout)).ReasonCodes);
    }

    private async Task<(MqttClient Client, ScriptedConnection Server)> ConnectAsync(Action<MqttClientOptions> configure)
    {
        MqttClientOptions options = TestClients.Options(_server.Port);
        configure(options);
        var client = new MqttClient(options);
        Task<MqttClientConnectResult> connecting = client.ConnectAsync();
        ScriptedConnection server = await _server.AcceptAsync(TestClients.Timeout);
        await server.AcceptConnectAsync(TestClients.Timeout);
        await connecting.WaitAsync(TestClients.Timeout);
        return (client, server);
    }
}
