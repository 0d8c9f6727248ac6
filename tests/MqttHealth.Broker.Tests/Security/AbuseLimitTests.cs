using MqttHealth.Broker.Tests.Infrastructure;
using MqttHealth.Mqtt.Packets;
using MqttHealth.Mqtt.Protocol;

namespace MqttHealth.Broker.Tests.Security;

/// <summary>Broker:Limits over loopback: connections in all and per address, subscriptions per client, topic length and levels.</summary>
public sealed class AbuseLimitTests
{
    [Theory]
    [InlineData(MqttProtocolVersion.V500, ReasonCode.QuotaExceeded)]
    [InlineData(MqttProtocolVersion.V311, ReasonCode.ServerUnavailable)]
    public async Task ConnectionsFromOneAddress_BeyondTheLimit_AreRefused_UntilOneLeaves(MqttProtocolVersion version, ReasonCode expected)
    {
        await using var broker = InProcessBroker.Start(o => o.Limits.MaxConnectionsPerAddress = 2);
        await using var first = await RawMqttConnection.ConnectedAsync(broker.Port, RawMqttConnection.Connect("first", version));
        await using var second = await RawMqttConnection.ConnectedAsync(broker.Port, RawMqttConnection.Connect("second", version));

        ConnAckPacket third = await RawMqttConnection.RefusedAsync(broker.Port, RawMqttConnection.Connect("third", version));
        Assert.Equal(expected, third.ReasonCode);

        await first.SendAsync(new DisconnectPacket { ReasonCode = ReasonCode.NormalDisconnection });
        await first.ExpectClosedAsync();
        await using var fourth = await RawMqttConnection.ConnectedAsync(broker.Port, RawMqttConnection.Connect("fourth", version));
    }

    [Fact]
    public async Task SilentSocket_SendingNoConnect_IsClosedAfterTheConnectTimeout()
    {
        await using var broker = InProcessBroker.Start(o => o.Limits.ConnectTimeout = TimeSpan.FromSeconds(1));
        await using var silent = await RawMqttConnection.OpenAsync(broker.Port);
        await using var talking = await RawMqttConnection.ConnectedAsync(broker.Port, RawMqttConnection.Connect("talking"));

        // Closed by the broker with nothing sent (no CONNECT, so no CONNACK); the connected client stays.
        Assert.Empty(await silent.ExpectClosedAsync());
        await talking.SendAsync(PingReqPacket.Instance);
        Assert.IsType<PingRespPacket>(await talking.ReadAsync());
    }

    [Fact]
    public async Task Connections_BeyondTheTotal_AreRefused()
    {
        await using var broker = InProcessBroker.Start(o =>
        {
            o.Limits.MaxConnections = 1;
            o.Limits.MaxConnectionsPerAddress = 0;
        });
        await using var only = await RawMqttConnection.ConnectedAsync(broker.Port, RawMqttConnection.Connect("only"));

        ConnAckPacket refused = await RawMqttConnection.RefusedAsync(broker.Port, RawMqttConnection.Connect("one-too-many"));

        Assert.Equal(ReasonCode.QuotaExceeded, refused.ReasonCode);
    }

    [Theory]
    [InlineData(MqttProtocolVersion.V500)]
    [InlineData(MqttProtocolVersion.V311)]
    public async Task Subscriptions_BeyondTheLimit_AreRefused_ButAnExistingOneMayBeRenewed(MqttProtocolVersion version)
    {
        await using var broker = InProcessBroker.Start(o => o.Limits.MaxSubscriptionsPerClient = 2);
        await using var client = await RawMqttConnection.ConnectedAsync(broker.Port, RawMqttConnection.Connect("subscriber", version));

        await client.SubscribeAsync(new MqttSubscription("a/1", QualityOfService.AtLeastOnce), packetId: 1);
        await client.SubscribeAsync(new MqttSubscription("a/2", QualityOfService.AtLeastOnce), packetId: 2);
        SubAckPacket third = await client.SubscribeAsync(new MqttSubscription("a/3", QualityOfService.AtLeastOnce), packetId: 3);
        SubAckPacket renewed = await client.SubscribeAsync(new MqttSubscription("a/2", QualityOfService.AtMostOnce), packetId: 4);

        Assert.Equal(version == MqttProtocolVersion.V500 ? ReasonCode.QuotaExceeded : ReasonCode.UnspecifiedError, third.ReasonCodes[0]);
        Assert.Equal(ReasonCode.Success, renewed.ReasonCodes[0]); // granted QoS 0
    }

    [Fact]
    public async Task TopicsTooLongOrTooDeep_AreRefused_InPublishAndSubscribe()
    {
        await using var broker = InProcessBroker.Start(o =>
        {
            o.Limits.MaxTopicLength = 20;
            o.Limits.MaxTopicLevels = 3;
        });
        await using var client = await RawMqttConnection.ConnectedAsync(broker.Port, RawMqttConnection.Connect("limits"));

        SubAckPacket deep = await client.SubscribeAsync(new MqttSubscription("a/b/c/#", QualityOfService.AtLeastOnce), packetId: 1);
        SubAckPacket fine = await client.SubscribeAsync(new MqttSubscription("a/b/#", QualityOfService.AtLeastOnce), packetId: 2);
        await client.SendAsync(new PublishPacket { Topic = "a/" + new string('x', 30), Payload = new byte[1], QoS = QualityOfService.AtLeastOnce, PacketId = 3 });
        PubAckPacket tooLong = await client.ExpectAsync<PubAckPacket>();
        await client.SendAsync(new PublishPacket { Topic = "a/b/c", Payload = new byte[1], QoS = QualityOfService.AtLeastOnce, PacketId = 4 });

        // Its PUBACK and its delivery to this same client come in either order; the refused one was never routed.
        var next = new[] { await client.ReadAsync(), await client.ReadAsync() };
        Assert.Equal(ReasonCode.TopicFilterInvalid, deep.ReasonCodes[0]);
        Assert.Equal((ReasonCode)QualityOfService.AtLeastOnce, fine.ReasonCodes[0]);
        Assert.Equal(ReasonCode.TopicNameInvalid, tooLong.ReasonCode);
        Assert.Equal(ReasonCode.Success, Assert.Single(next.OfType<PubAckPacket>()).ReasonCode);
        Assert.Equal("a/b/c", Assert.Single(next.OfType<PublishPacket>()).Topic);
    }

    [Fact]
    public async Task PublishingFasterThanTheMessageRate_Disconnects_With0x96()
    {
        await using var broker = InProcessBroker.Start(o => o.Limits.MaxMessagesPerSecond = 5);
        await using var client = await RawMqttConnection.ConnectedAsync(broker.Port, RawMqttConnection.Connect("chatty"));

        // A burst of one second's worth (5) is allowed; the 6th within microseconds is not.
        for (int i = 0; i < 6; i++)
        {
            await client.SendAsync(new PublishPacket { Topic = "rate/test", Payload = new byte[1] });
        }

        await client.ExpectDisconnectAndCloseAsync(ReasonCode.MessageRateTooHigh);
    }

    [Fact]
    public async Task PublishingMoreBytesThanTheByteRate_Disconnects_With0x97()
    {
        await using var broker = InProcessBroker.Start(o => o.Limits.MaxBytesPerSecond = 100);
        await using var client = await RawMqttConnection.ConnectedAsync(broker.Port, RawMqttConnection.Connect("bulky"));

        await client.SendAsync(new PublishPacket { Topic = "rate/test", Payload = new byte[60] });
        await client.SendAsync(new PublishPacket { Topic = "rate/test", Payload = new byte[60] });

        await client.ExpectDisconnectAndCloseAsync(ReasonCode.QuotaExceeded);
    }
}
