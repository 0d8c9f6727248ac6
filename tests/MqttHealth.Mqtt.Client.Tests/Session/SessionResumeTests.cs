using MqttHealth.Mqtt.Client.Tests.Infrastructure;
using MqttHealth.Mqtt.Packets;
using MqttHealth.Mqtt.Protocol;

namespace MqttHealth.Mqtt.Client.Tests.Session;

/// <summary>Persistent sessions: messages queued while offline, and the client's resend duty [MQTT-4.4.0-1].</summary>
public sealed class SessionResumeTests : IClassFixture<MosquittoFixture>
{
    private readonly MosquittoFixture _mosquitto;

    public SessionResumeTests(MosquittoFixture mosquitto) => _mosquitto = mosquitto;

    [Theory]
    [InlineData(MqttProtocolVersion.V311)]
    [InlineData(MqttProtocolVersion.V500)]
    public async Task PersistentSubscriber_MessagesPublishedWhileOffline_AreDeliveredAfterReconnect(MqttProtocolVersion version)
    {
        string topic = TestClients.NewTopic();
        MqttClientOptions options = PersistentOptions(_mosquitto.Port, version);
        await using var subscriber = new MqttClient(options);
        await subscriber.ConnectAsync().WaitAsync(TestClients.Timeout);
        await subscriber.SubscribeAsync(topic, QualityOfService.ExactlyOnce);
        await subscriber.DisconnectAsync();

        await using (MqttClient publisher = await TestClients.ConnectAsync(_mosquitto.Port, version))
        {
            await publisher.PublishAsync(topic, TestClients.Bytes("q1"), QualityOfService.AtLeastOnce);
            await publisher.PublishAsync(topic, TestClients.Bytes("q2"), QualityOfService.ExactlyOnce);
        }

        MqttClientConnectResult resumed = await subscriber.ConnectAsync().WaitAsync(TestClients.Timeout);
        MqttApplicationMessage first = await subscriber.ReceivedMessages.ReadAsync();
        MqttApplicationMessage second = await subscriber.ReceivedMessages.ReadAsync();

        Assert.True(resumed.SessionPresent);
        Assert.Equal(("q1", QualityOfService.AtLeastOnce), (TestClients.Text(first), first.QoS));
        Assert.Equal(("q2", QualityOfService.ExactlyOnce), (TestClients.Text(second), second.QoS));
    }

    [Theory]
    [InlineData(MqttProtocolVersion.V311)]
    [InlineData(MqttProtocolVersion.V500)]
    public async Task PublishQoS1_PubAckLost_IsResentWithDupAndSamePacketIdAfterReconnect(MqttProtocolVersion version)
    {
        await using var proxy = new MqttTestProxy(_mosquitto.Port);

        // The first PUBACK never reaches the client: the network is cut right there.
        proxy.Filter = p => p.Connection == 0 && p.Type == MqttPacketType.PubAck ? ProxyAction.Cut : ProxyAction.Forward;
        await using var client = new MqttClient(PersistentOptions(proxy.Port, version));
        await client.ConnectAsync().WaitAsync(TestClients.Timeout);
        string topic = TestClients.NewTopic();

        Task<MqttClientPublishResult> publish = client.PublishAsync(topic, TestClients.Bytes("once"), QualityOfService.AtLeastOnce).AsTask();
        MqttClientDisconnectedEventArgs lost = await client.Disconnection.WaitAsync(TestClients.Timeout);
        Assert.Equal(MqttClientErrorKind.ConnectionLost, lost.Kind);
        Assert.False(publish.IsCompleted);
        Assert.Equal(1, client.InflightCount);

        MqttClientConnectResult resumed = await client.ConnectAsync().WaitAsync(TestClients.Timeout);
        MqttClientPublishResult result = await publish.WaitAsync(TestClients.Timeout);

        Assert.True(resumed.SessionPresent);
        ProxiedPacket original = proxy.Packets.Single(p => p.Connection == 0 && p.Type == MqttPacketType.Publish);
        ProxiedPacket resent = proxy.Packets.Single(p => p.Connection == 1 && p.Type == MqttPacketType.Publish);
        var originalPublish = (PublishPacket)original.Decode(version);
        var resentPublish = (PublishPacket)resent.Decode(version);
        Assert.False(originalPublish.Dup);
        Assert.True(resentPublish.Dup);
        Assert.Equal(originalPublish.PacketId, resentPublish.PacketId);
        Assert.Equal(topic, resentPublish.Topic);
        Assert.Equal(originalPublish.PacketId, result.PacketId);
        Assert.Equal(0, client.InflightCount);
    }

    [Fact]
    public async Task PublishQoS2_PubCompLost_PubRelIsResentAfterReconnect()
    {
        await using var proxy = new MqttTestProxy(_mosquitto.Port);
        proxy.Filter = p => p.Connection == 0 && p.Type == MqttPacketType.PubComp ? ProxyAction.Cut : ProxyAction.Forward;
        await using var client = new MqttClient(PersistentOptions(proxy.Port, MqttProtocolVersion.V500));
        await client.ConnectAsync().WaitAsync(TestClients.Timeout);

        Task<MqttClientPublishResult> publish = client.PublishAsync(TestClients.NewTopic(), TestClients.Bytes("exactly once"), QualityOfService.ExactlyOnce).AsTask();
        await client.Disconnection.WaitAsync(TestClients.Timeout);
        Assert.False(publish.IsCompleted);
        await client.ConnectAsync().WaitAsync(TestClients.Timeout);
        MqttClientPublishResult result = await publish.WaitAsync(TestClients.Timeout);

        ushort id = ((PublishPacket)proxy.Packets.Single(p => p.Type == MqttPacketType.Publish).Decode(MqttProtocolVersion.V500)).PacketId;
        Assert.Equal(id, result.PacketId);

        // The second connection carries only the PUBREL: the PUBLISH had been acknowledged by PUBREC.
        Assert.DoesNotContain(proxy.Packets, p => p.Connection == 1 && p.Type == MqttPacketType.Publish);
        ProxiedPacket pubRel = proxy.Packets.Single(p => p.Connection == 1 && p.Type == MqttPacketType.PubRel);
        Assert.Equal(id, pubRel.AckPacketId);
    }

    [Fact]
    public async Task PendingPublish_ReconnectWithoutSession_FailsWithSessionLost()
    {
        await using var proxy = new MqttTestProxy(_mosquitto.Port);
        proxy.Filter = p => p.Connection == 0 && p.Type == MqttPacketType.PubAck ? ProxyAction.Cut : ProxyAction.Forward;
        MqttClientOptions options = PersistentOptions(proxy.Port, MqttProtocolVersion.V500);
        await using var client = new MqttClient(options);
        await client.ConnectAsync().WaitAsync(TestClients.Timeout);
        Task<MqttClientPublishResult> publish = client.PublishAsync(TestClients.NewTopic(), TestClients.Bytes("x"), QualityOfService.AtLeastOnce).AsTask();
        await client.Disconnection.WaitAsync(TestClients.Timeout);

        options.CleanStart = true;
        MqttClientConnectResult fresh = await client.ConnectAsync().WaitAsync(TestClients.Timeout);

        Assert.False(fresh.SessionPresent);
        var error = await Assert.ThrowsAsync<MqttClientException>(() => publish.WaitAsync(TestClients.Timeout));
        Assert.Equal(MqttClientErrorKind.SessionLost, error.Kind);
        Assert.Equal(0, client.InflightCount);
        Assert.DoesNotContain(proxy.Packets, p => p.Connection == 1 && p.Type == MqttPacketType.Publish);
    }

    [Fact]
    public async Task PendingPublish_SessionNotResumable_FailsWhenTheConnectionIsLost()
    {
        await using var proxy = new MqttTestProxy(_mosquitto.Port);
        proxy.Filter = p => p.Type == MqttPacketType.PubAck ? ProxyAction.Cut : ProxyAction.Forward;
        await using MqttClient client = await TestClients.ConnectAsync(TestClients.Options(proxy.Port));

        Task<MqttClientPublishResult> publish = client.PublishAsync(TestClients.NewTopic(), TestClients.Bytes("x"), QualityOfService.AtLeastOnce).AsTask();

        var error = await Assert.ThrowsAsync<MqttClientException>(() => publish.WaitAsync(TestClients.Timeout));
        Assert.Equal(MqttClientErrorKind.ConnectionLost, error.Kind);
        Assert.Equal(0, client.InflightCount);
    }

    [Fact]
    public async Task IncomingQoS2_ResentWithDupBeforePubRel_IsDeliveredOnlyOnce()
    {
        string topic = TestClients.NewTopic();
        await using var proxy = new MqttTestProxy(_mosquitto.Port);

        // The message reaches the subscriber, its PUBREC does not reach the server: after the reconnect the server
        // resends the PUBLISH (DUP = 1, same Packet Identifier), which must not be delivered a second time.
        proxy.Filter = p => p.Connection == 0 && p.Type == MqttPacketType.PubRec && p.Direction == ProxyDirection.ClientToServer
            ? ProxyAction.Cut
            : ProxyAction.Forward;
        await using var subscriber = new MqttClient(PersistentOptions(proxy.Port, MqttProtocolVersion.V500));
        await subscriber.ConnectAsync().WaitAsync(TestClients.Timeout);
        await subscriber.SubscribeAsync(topic, QualityOfService.ExactlyOnce);
        await using MqttClient publisher = await TestClients.ConnectAsync(_mosquitto.Port);

        await publisher.PublishAsync(topic, TestClients.Bytes("first"), QualityOfService.ExactlyOnce);
        Assert.Equal("first", TestClients.Text(await subscriber.ReceivedMessages.ReadAsync()));
        await subscriber.Disconnection.WaitAsync(TestClients.Timeout);
        await subscriber.ConnectAsync().WaitAsync(TestClients.Timeout);
        ProxiedPacket redelivered = await proxy.WaitForPacketAsync(
            p => p.Connection == 1 && p.Type == MqttPacketType.Publish && p.Direction == ProxyDirection.ServerToClient,
            TestClients.Timeout);
        await proxy.WaitForPacketAsync(p => p.Connection == 1 && p.Type == MqttPacketType.PubComp, TestClients.Timeout);
        await publisher.PublishAsync(topic, TestClients.Bytes("second"), QualityOfService.ExactlyOnce);

        Assert.True(redelivered.Dup);

        Assert.Equal("second", TestClients.Text(await subscriber.ReceivedMessages.ReadAsync()));
    }

    private static MqttClientOptions PersistentOptions(int port, MqttProtocolVersion version)
    {
        MqttClientOptions options = TestClients.Options(port, version);
        options.CleanStart = false;
        options.SessionExpiryInterval = 300;
        return options;
    }
}
