using MqttHealth.Broker.Testing;
using MqttHealth.Mqtt.Client.Tests.Infrastructure;
using MqttHealth.Mqtt.Packets;
using MqttHealth.Mqtt.Protocol;

namespace MqttHealth.Mqtt.Client.Tests.TopicAliases;

/// <summary>Topic aliases (5.0 §3.3.2.3.4): client to server against Mosquitto, server to client with a scripted server.</summary>
public sealed class TopicAliasTests
{
    [Fact]
    public async Task Publish_ServerAllowsAliases_SendsTopicWithAliasThenAliasOnly()
    {
        await using MosquittoBroker broker = await MosquittoBroker.StartAsync();
        await using var proxy = new MqttTestProxy(broker.Port);
        string topic = TestClients.NewTopic("vitals");
        await using MqttClient subscriber = await TestClients.ConnectAsync(broker.Port);
        await subscriber.SubscribeAsync(topic, QualityOfService.AtLeastOnce);
        await using MqttClient publisher = await TestClients.ConnectAsync(TestClients.Options(proxy.Port));
        Assert.True(publisher.LastConnectResult!.TopicAliasMaximum > 0);

        var userProperties = new MqttProperties { ContentType = "text/plain" };
        for (int i = 0; i < 3; i++)
        {
            await publisher.PublishAsync(topic, TestClients.Bytes($"m{i}"), QualityOfService.AtLeastOnce, properties: i == 1 ? userProperties : null);
        }

        PublishPacket[] sent = [.. proxy.Packets.Where(p => p.Type == MqttPacketType.Publish).Select(p => (PublishPacket)p.Decode(MqttProtocolVersion.V500))];
        Assert.Equal(3, sent.Length);
        Assert.Equal(topic, sent[0].Topic);
        Assert.Equal((ushort)1, sent[0].Properties!.TopicAlias);
        Assert.All(sent[1..], p => Assert.Equal(string.Empty, p.Topic));
        Assert.All(sent[1..], p => Assert.Equal((ushort)1, p.Properties!.TopicAlias));
        Assert.Equal("text/plain", sent[1].Properties!.ContentType);
        Assert.Null(userProperties.TopicAlias);
        for (int i = 0; i < 3; i++)
        {
            MqttApplicationMessage message = await subscriber.ReceivedMessages.ReadAsync();
            Assert.Equal((topic, $"m{i}"), (message.Topic, TestClients.Text(message)));
        }
    }

    [Fact]
    public async Task Publish_MoreTopicsThanAliases_FirstTopicsKeepTheirAliasesOthersGoInFull()
    {
        await using MosquittoBroker broker = await MosquittoBroker.StartAsync("max_topic_alias 2");
        await using var proxy = new MqttTestProxy(broker.Port);
        string root = TestClients.NewTopic("root");
        await using MqttClient subscriber = await TestClients.ConnectAsync(broker.Port);
        await subscriber.SubscribeAsync(root + "/#", QualityOfService.AtLeastOnce);
        await using MqttClient publisher = await TestClients.ConnectAsync(TestClients.Options(proxy.Port));
        Assert.Equal((ushort)2, publisher.LastConnectResult!.TopicAliasMaximum);
        string[] topics = [root + "/a", root + "/b", root + "/c", root + "/a", root + "/c", root + "/b"];

        foreach (string topic in topics)
        {
            await publisher.PublishAsync(topic, TestClients.Bytes(topic), QualityOfService.AtLeastOnce);
        }

        PublishPacket[] sent = [.. proxy.Packets.Where(p => p.Type == MqttPacketType.Publish).Select(p => (PublishPacket)p.Decode(MqttProtocolVersion.V500))];
        Assert.Equal(
            [(root + "/a", (ushort?)1), (root + "/b", 2), (root + "/c", null), (string.Empty, 1), (root + "/c", null), (string.Empty, 2)],
            sent.Select(p => (p.Topic, p.Properties?.TopicAlias)));
        foreach (string topic in topics)
        {
            MqttApplicationMessage message = await subscriber.ReceivedMessages.ReadAsync();
            Assert.Equal((topic, topic), (message.Topic, TestClients.Text(message)));
        }
    }

    [Fact]
    public async Task Publish_UseTopicAliasesOff_SendsFullTopics()
    {
        await using MosquittoBroker broker = await MosquittoBroker.StartAsync();
        await using var proxy = new MqttTestProxy(broker.Port);
        MqttClientOptions options = TestClients.Options(proxy.Port);
        options.UseTopicAliases = false;
        await using MqttClient publisher = await TestClients.ConnectAsync(options);
        string topic = TestClients.NewTopic();

        await publisher.PublishAsync(topic, TestClients.Bytes("1"), QualityOfService.AtLeastOnce);
        await publisher.PublishAsync(topic, TestClients.Bytes("2"), QualityOfService.AtLeastOnce);

        Assert.All(
            proxy.Packets.Where(p => p.Type == MqttPacketType.Publish).Select(p => (PublishPacket)p.Decode(MqttProtocolVersion.V500)),
            p => Assert.Equal((topic, (ushort?)null), (p.Topic, p.Properties?.TopicAlias)));
    }

    [Fact]
    public async Task Receive_ServerAssignsAlias_ResolvesTopicForLaterPackets()
    {
        await using var server = new ScriptedMqttServer();
        MqttClientOptions options = TestClients.Options(server.Port);
        options.TopicAliasMaximum = 4;
        await using var client = new MqttClient(options);
        Task<MqttClientConnectResult> connecting = client.ConnectAsync();
        ScriptedConnection connection = await server.AcceptAsync(TestClients.Timeout);
        ConnectPacket connect = await connection.AcceptConnectAsync(TestClients.Timeout);
        await connecting.WaitAsync(TestClients.Timeout);
        Assert.Equal((ushort)4, connect.Properties!.TopicAliasMaximum);

        await connection.SendAsync(new PublishPacket { Topic = "mh/v1/f/u/d/cmd", Payload = TestClients.Bytes("1"), Properties = new MqttProperties { TopicAlias = 4 } });
        await connection.SendAsync(new PublishPacket { Topic = string.Empty, Payload = TestClients.Bytes("2"), Properties = new MqttProperties { TopicAlias = 4 } });
        await connection.SendAsync(new PublishPacket
        {
            Topic = string.Empty,
            QoS = QualityOfService.AtLeastOnce,
            PacketId = 9,
            Payload = TestClients.Bytes("3"),
            Properties = new MqttProperties { TopicAlias = 4, ContentType = "x" },
        });

        for (int i = 1; i <= 3; i++)
        {
            MqttApplicationMessage message = await client.ReceivedMessages.ReadAsync();
            Assert.Equal(("mh/v1/f/u/d/cmd", $"{i}"), (message.Topic, TestClients.Text(message)));
            Assert.Null(message.Properties?.TopicAlias);
        }

        Assert.Equal((ushort)9, (await connection.ExpectAsync<PubAckPacket>(TestClients.Timeout)).PacketId);
    }

    [Theory]
    [InlineData((ushort)3, ReasonCode.TopicAliasInvalid)]
    [InlineData((ushort)2, ReasonCode.ProtocolError)]
    public async Task Receive_AliasAboveMaximumOrUnmapped_DisconnectsWithProtocolError(ushort alias, ReasonCode expected)
    {
        await using var server = new ScriptedMqttServer();
        MqttClientOptions options = TestClients.Options(server.Port);
        options.TopicAliasMaximum = 2;
        await using var client = new MqttClient(options);
        Task<MqttClientConnectResult> connecting = client.ConnectAsync();
        ScriptedConnection connection = await server.AcceptAsync(TestClients.Timeout);
        await connection.AcceptConnectAsync(TestClients.Timeout);
        await connecting.WaitAsync(TestClients.Timeout);

        // Alias 3 is above the maximum of 2 (0x94); alias 2 was never mapped (5.0 §3.3.4: Protocol Error).
        await connection.SendAsync(new PublishPacket { Topic = string.Empty, Payload = TestClients.Bytes("x"), Properties = new MqttProperties { TopicAlias = alias } });

        DisconnectPacket disconnect = await connection.ExpectAsync<DisconnectPacket>(TestClients.Timeout);
        Assert.Equal(expected, disconnect.ReasonCode);
        MqttClientDisconnectedEventArgs info = await client.Disconnection.WaitAsync(TestClients.Timeout);
        Assert.Equal(MqttClientErrorKind.ProtocolViolation, info.Kind);
        Assert.Equal(expected, info.ReasonCode);
        Assert.False(client.ReceivedMessages.TryRead(out _));
    }
}
