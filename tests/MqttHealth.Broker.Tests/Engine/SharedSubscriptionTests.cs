using MqttHealth.Broker.Tests.Infrastructure;
using MqttHealth.Mqtt.Client;
using MqttHealth.Mqtt.Packets;
using MqttHealth.Mqtt.Protocol;
using static MqttHealth.Broker.Tests.Infrastructure.EngineClients;

namespace MqttHealth.Broker.Tests.Engine;

/// <summary>Shared subscriptions $share/{group}/{filter} (5.0 §4.8.2).</summary>
public class SharedSubscriptionTests
{
    [Fact]
    public async Task SharedSubscription_TwoMembers_RoundRobin()
    {
        await using var broker = InProcessBroker.Start();
        var topic = NewTopic();
        var marker = NewTopic("marker");
        await using var a = await SubscriberAsync(broker, "$share/g/" + topic);
        await a.SubscribeAsync(marker, QualityOfService.AtLeastOnce);
        await using var b = await SubscriberAsync(broker, "$share/g/" + topic);
        await b.SubscribeAsync(marker, QualityOfService.AtLeastOnce);
        await using var publisher = await ConnectAsync(broker);

        for (int i = 0; i < 10; i++)
        {
            await publisher.PublishAsync(topic, Bytes("m" + i), QualityOfService.AtLeastOnce);
        }

        await publisher.PublishAsync(marker, Bytes("marker"), QualityOfService.AtLeastOnce);

        // 5.0 §4.8.2: each message goes to one member of the group; round robin splits ten evenly.
        var toA = await a.ReadUntilAsync("marker");
        var toB = await b.ReadUntilAsync("marker");
        Assert.InRange(toA.Count, 4, 6);
        Assert.Equal(10, toA.Count + toB.Count);
        Assert.Equal(Enumerable.Range(0, 10).Select(i => "m" + i), toA.Concat(toB).Select(Text).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task SharedSubscription_AndOrdinarySubscription_BothReceive()
    {
        await using var broker = InProcessBroker.Start();
        var topic = NewTopic();
        await using var shared = await SubscriberAsync(broker, "$share/g/" + topic);
        await using var ordinary = await SubscriberAsync(broker, topic);
        await using var publisher = await ConnectAsync(broker);

        await publisher.PublishAsync(topic, Bytes("x"), QualityOfService.AtLeastOnce);

        Assert.Equal(topic, (await shared.ReadAsync()).Topic);
        Assert.Equal(topic, (await ordinary.ReadAsync()).Topic);
    }

    [Fact]
    public async Task SharedSubscription_MemberDropsWithUnacknowledgedQos1_RedeliveredToTheOtherMember()
    {
        await using var broker = InProcessBroker.Start();
        var topic = NewTopic();
        var silent = await RawMqttConnection.ConnectedAsync(broker.Port, RawMqttConnection.Connect(NewClientId()));
        await silent.SubscribeAsync("$share/g/" + topic, QualityOfService.AtLeastOnce);
        await using var member = await SubscriberAsync(broker, "$share/g/" + topic);
        await using var publisher = await ConnectAsync(broker);

        for (int i = 0; i < 6; i++)
        {
            await publisher.PublishAsync(topic, Bytes("m" + i), QualityOfService.AtLeastOnce);
        }

        var unacknowledged = new List<string>();
        for (int i = 0; i < 3; i++)
        {
            unacknowledged.Add(Text((await silent.ExpectPublishAsync()).Payload));
        }

        silent.Abort();

        // 5.0 §4.8.2: messages the lost member never acknowledged go to another member of the group.
        var received = new List<string>();
        for (int i = 0; i < 6; i++)
        {
            received.Add(Text(await member.ReadAsync()));
        }

        Assert.Equal(Enumerable.Range(0, 6).Select(i => "m" + i), received.Order(StringComparer.Ordinal));
        Assert.Subset(received.ToHashSet(), unacknowledged.ToHashSet());
        await silent.DisposeAsync();
    }

    [Fact]
    public async Task SharedSubscription_RetainedMessage_NotSentOnSubscribe()
    {
        await using var broker = InProcessBroker.Start();
        var topic = NewTopic();
        await using var publisher = await ConnectAsync(broker);
        await publisher.PublishAsync(topic, Bytes("retained"), QualityOfService.AtLeastOnce, retain: true);

        await using var member = await SubscriberAsync(broker, "$share/g/" + topic);
        await publisher.PublishAsync(topic, Bytes("marker"), QualityOfService.AtLeastOnce);

        // 5.0 §4.8.2 (and Retain Handling, §3.8.3.1): no retained messages for a shared subscription.
        var first = await member.ReadAsync();
        Assert.Equal("marker", Text(first));
        Assert.False(first.Retain);
    }

    [Fact]
    public async Task SharedSubscription_NoLocal_Disconnect0x82()
    {
        await using var broker = InProcessBroker.Start();
        await using var raw = await RawMqttConnection.ConnectedAsync(broker.Port, RawMqttConnection.Connect(NewClientId()));

        await raw.SendAsync(new SubscribePacket { PacketId = 1, Subscriptions = [new MqttSubscription("$share/g/" + NewTopic(), QualityOfService.AtLeastOnce, NoLocal: true)] });

        // [MQTT-3.8.3-4]: No Local on a shared subscription is a Protocol Error.
        await raw.ExpectDisconnectAndCloseAsync(ReasonCode.ProtocolError);
    }

    [Fact]
    public async Task SharedSubscription_TwoGroups_EachGroupGetsEveryMessage()
    {
        await using var broker = InProcessBroker.Start();
        var topic = NewTopic();
        await using var g1 = await SubscriberAsync(broker, "$share/g1/" + topic);
        await using var g2 = await SubscriberAsync(broker, "$share/g2/" + topic);
        await using var publisher = await ConnectAsync(broker);

        await publisher.PublishAsync(topic, Bytes("x"), QualityOfService.AtLeastOnce);

        Assert.Equal("x", Text(await g1.ReadAsync()));
        Assert.Equal("x", Text(await g2.ReadAsync()));
    }

    [Fact]
    public async Task SharedSubscription_Unsubscribed_MemberNoLongerChosen()
    {
        await using var broker = InProcessBroker.Start();
        var topic = NewTopic();
        await using var leaving = await SubscriberAsync(broker, "$share/g/" + topic);
        await using var staying = await SubscriberAsync(broker, "$share/g/" + topic);
        await using var publisher = await ConnectAsync(broker);

        await leaving.UnsubscribeAsync("$share/g/" + topic);
        for (int i = 0; i < 4; i++)
        {
            await publisher.PublishAsync(topic, Bytes("m" + i), QualityOfService.AtLeastOnce);
        }

        for (int i = 0; i < 4; i++)
        {
            Assert.Equal("m" + i, Text(await staying.ReadAsync()));
        }
    }

    private static Task<MqttClient> SubscriberAsync(InProcessBroker broker, string filter) =>
        EngineClients.SubscriberAsync(broker, filter, QualityOfService.AtLeastOnce);
}
