using System.Collections.Concurrent;
using MqttHealth.Mqtt.Client.Tests.Infrastructure;
using MqttHealth.Mqtt.Packets;
using MqttHealth.Mqtt.Protocol;

namespace MqttHealth.Mqtt.Client.Tests.Session;

/// <summary>
/// A session kept on disk by the application: Packet Identifiers it chooses, the PUBREC recorded before the PUBREL,
/// and a new <see cref="MqttClient"/> (a restarted process) that puts the session back and resumes it (5.0 §4.4).
/// </summary>
public sealed class RestoredSessionTests : IClassFixture<MosquittoFixture>
{
    private readonly MosquittoFixture _mosquitto;

    public RestoredSessionTests(MosquittoFixture mosquitto) => _mosquitto = mosquitto;

    [Fact]
    public async Task RestoredQoS2Session_NewClientResumes_PublishResentWithDupAndSameIdPubRelForRecordedPubRec_EachDeliveredOnce()
    {
        string topic = TestClients.NewTopic();
        await using MqttClient subscriber = await TestClients.ConnectAsync(_mosquitto.Port);
        await subscriber.SubscribeAsync(topic, QualityOfService.ExactlyOnce);
        await using var proxy = new MqttTestProxy(_mosquitto.Port);

        // First "process": message 100 gets its PUBREC (recorded) but its PUBCOMP is lost; message 200 reaches the
        // server, whose PUBREC is lost. Then the link is cut, as a kill -9 would leave it.
        proxy.Filter = p => p.Connection == 0 && p.Direction == ProxyDirection.ServerToClient
            && ((p.Type == MqttPacketType.PubComp && p.AckPacketId == 100) || (p.Type == MqttPacketType.PubRec && p.AckPacketId == 200))
            ? ProxyAction.Drop
            : ProxyAction.Forward;
        string clientId = TestClients.NewClientId();
        var recorded = new ConcurrentQueue<ushort>();
        MqttClientOptions first = PersistentOptions(proxy.Port, clientId);
        first.PubRecReceived = id =>
        {
            recorded.Enqueue(id);
            return ValueTask.CompletedTask;
        };
        await using (var before = new MqttClient(first))
        {
            await before.ConnectAsync().WaitAsync(TestClients.Timeout);
            _ = before.PublishAsync(topic, TestClients.Bytes("m100"), QualityOfService.ExactlyOnce, false, 100).AsTask();
            _ = before.PublishAsync(topic, TestClients.Bytes("m200"), QualityOfService.ExactlyOnce, false, 200).AsTask();
            await proxy.WaitForPacketAsync(p => p.Type == MqttPacketType.PubComp && p.AckPacketId == 100, TestClients.Timeout);
            await proxy.WaitForPacketAsync(p => p.Type == MqttPacketType.PubRec && p.AckPacketId == 200, TestClients.Timeout);
            proxy.CutAll();
            await before.Disconnection.WaitAsync(TestClients.Timeout);
        }

        Assert.Equal([(ushort)100], recorded);

        // Second "process": the session comes back from what the first one recorded.
        await using var after = new MqttClient(PersistentOptions(proxy.Port, clientId));
        Task<MqttClientPublishResult> released = after.RestorePublish(100, topic, TestClients.Bytes("m100"), QualityOfService.ExactlyOnce, false, pubRecReceived: true);
        Task<MqttClientPublishResult> published = after.RestorePublish(200, topic, TestClients.Bytes("m200"), QualityOfService.ExactlyOnce, false, pubRecReceived: false);
        MqttClientConnectResult resumed = await after.ConnectAsync().WaitAsync(TestClients.Timeout);
        await Task.WhenAll(released, published).WaitAsync(TestClients.Timeout);
        await after.PublishAsync(topic, TestClients.Bytes("end"), QualityOfService.ExactlyOnce);

        Assert.True(resumed.SessionPresent);
        Assert.Equal(0, after.InflightCount);
        Assert.DoesNotContain(proxy.Packets, p => p.Connection == 1 && p.Type == MqttPacketType.Publish && ((PublishPacket)p.Decode(MqttProtocolVersion.V500)).PacketId == 100);
        Assert.Contains(proxy.Packets, p => p.Connection == 1 && p.Type == MqttPacketType.PubRel && p.AckPacketId == 100);
        ProxiedPacket resent = proxy.Packets.Single(p => p.Connection == 1 && p.Type == MqttPacketType.Publish && ((PublishPacket)p.Decode(MqttProtocolVersion.V500)).PacketId == 200);
        Assert.True(resent.Dup);
        var delivered = new List<string>();
        while (delivered.LastOrDefault() != "end")
        {
            delivered.Add(TestClients.Text(await subscriber.ReceivedMessages.ReadAsync()));
        }

        Assert.Equal(["end", "m100", "m200"], delivered.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task RestoredPublish_ServerHasNoSession_FailsWithSessionLostAndIsNotSent()
    {
        await using var proxy = new MqttTestProxy(_mosquitto.Port);
        await using var client = new MqttClient(PersistentOptions(proxy.Port, TestClients.NewClientId()));
        Task<MqttClientPublishResult> restored = client.RestorePublish(7, TestClients.NewTopic(), TestClients.Bytes("x"), QualityOfService.ExactlyOnce, false, pubRecReceived: false);

        MqttClientConnectResult connack = await client.ConnectAsync().WaitAsync(TestClients.Timeout);

        Assert.False(connack.SessionPresent);
        var error = await Assert.ThrowsAsync<MqttClientException>(() => restored.WaitAsync(TestClients.Timeout));
        Assert.Equal(MqttClientErrorKind.SessionLost, error.Kind);
        Assert.Equal(0, client.InflightCount);
        Assert.DoesNotContain(proxy.Packets, p => p.Type == MqttPacketType.Publish);

        // The identifier is free again for a new message.
        MqttClientPublishResult again = await client.PublishAsync(TestClients.NewTopic(), TestClients.Bytes("x"), QualityOfService.ExactlyOnce, false, 7);
        Assert.Equal(7, again.PacketId);
    }

    [Fact]
    public async Task PublishWithPacketId_UsesItOnTheWire_AndRefusesOneInUseOrARestoreWhileConnected()
    {
        await using var proxy = new MqttTestProxy(_mosquitto.Port);
        proxy.Filter = p => p.Type == MqttPacketType.PubAck ? ProxyAction.Drop : ProxyAction.Forward;
        await using MqttClient client = await TestClients.ConnectAsync(PersistentOptions(proxy.Port, TestClients.NewClientId()));
        string topic = TestClients.NewTopic();

        _ = client.PublishAsync(topic, TestClients.Bytes("a"), QualityOfService.AtLeastOnce, false, 4242).AsTask();
        ProxiedPacket sent = await proxy.WaitForPacketAsync(p => p.Type == MqttPacketType.Publish, TestClients.Timeout);

        Assert.Equal(4242, ((PublishPacket)sent.Decode(MqttProtocolVersion.V500)).PacketId);
        await Assert.ThrowsAsync<InvalidOperationException>(() => client.PublishAsync(topic, TestClients.Bytes("b"), QualityOfService.AtLeastOnce, false, 4242).AsTask());
        Assert.Throws<InvalidOperationException>(() => { _ = client.RestorePublish(9, topic, TestClients.Bytes("c"), QualityOfService.AtLeastOnce, false, pubRecReceived: false); });
        Assert.Throws<ArgumentException>(() => { _ = client.PublishAsync(topic, TestClients.Bytes("d"), QualityOfService.AtMostOnce, false, 5).AsTask(); });
        Assert.Equal(1, client.InflightCount);
    }

    private static MqttClientOptions PersistentOptions(int port, string clientId)
    {
        MqttClientOptions options = TestClients.Options(port, MqttProtocolVersion.V500, clientId);
        options.CleanStart = false;
        options.SessionExpiryInterval = 300;
        return options;
    }
}
