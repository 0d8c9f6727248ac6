using MqttHealth.Broker.Tests.Infrastructure;
using MqttHealth.Mqtt.Client;
using MqttHealth.Mqtt.Protocol;
using static MqttHealth.Broker.Tests.Infrastructure.EngineClients;

namespace MqttHealth.Broker.Tests.Engine;

/// <summary>Topics beginning with '$' (5.0 §4.7.2): not matched by leading wildcards, not publishable by clients.</summary>
public class SystemTopicTests
{
    [Fact]
    public async Task LeadingWildcards_SysMessage_NotMatched()
    {
        await using var broker = InProcessBroker.Start();
        var marker = NewTopic("marker");
        await using var subscriber = await ConnectAsync(broker);
        await subscriber.SubscribeAsync("#", QualityOfService.AtMostOnce);
        await subscriber.SubscribeAsync("+/broker/#", QualityOfService.AtMostOnce);
        await subscriber.SubscribeAsync("+/broker/clients", QualityOfService.AtMostOnce);

        broker.Broker.PublishSystemMessage("$SYS/broker/clients", Bytes("1"), retain: false);
        await subscriber.PublishAsync(marker, Bytes("marker"));

        // [MQTT-4.7.2-1]: a filter starting with a wildcard does not match a topic starting with '$'.
        var first = await subscriber.ReadAsync();
        Assert.Equal(marker, first.Topic);
    }

    [Fact]
    public async Task SharedLeadingWildcard_SysMessage_NotMatched()
    {
        await using var broker = InProcessBroker.Start();
        var marker = NewTopic("marker");
        await using var subscriber = await SubscriberAsync(broker, "$share/g/#", QualityOfService.AtMostOnce);

        broker.Broker.PublishSystemMessage("$SYS/broker/clients", Bytes("1"), retain: false);
        await subscriber.PublishAsync(marker, Bytes("marker"));

        // [MQTT-4.7.2-1] applies to the filter inside a shared subscription too.
        Assert.Equal(marker, (await subscriber.ReadAsync()).Topic);
    }

    [Fact]
    public async Task SysWildcard_SysMessage_Received()
    {
        await using var broker = InProcessBroker.Start();
        await using var subscriber = await SubscriberAsync(broker, "$SYS/#", QualityOfService.AtMostOnce);

        broker.Broker.PublishSystemMessage("$SYS/broker/clients", Bytes("1"), retain: false);

        var message = await subscriber.ReadAsync();
        Assert.Equal("$SYS/broker/clients", message.Topic);
        Assert.Equal("1", Text(message));
    }

    [Fact]
    public async Task LeadingWildcard_RetainedSysMessage_NotSentOnSubscribe()
    {
        await using var broker = InProcessBroker.Start();
        var marker = NewTopic("marker");
        broker.Broker.PublishSystemMessage("$SYS/broker/version", Bytes("1.0"), retain: true);

        await using var everything = await SubscriberAsync(broker, "#", QualityOfService.AtMostOnce);
        await everything.PublishAsync(marker, Bytes("marker"));
        await using var sys = await SubscriberAsync(broker, "$SYS/#", QualityOfService.AtMostOnce);

        // [MQTT-4.7.2-1] holds for retained messages too; a '$SYS/#' subscription gets the retained one.
        Assert.Equal(marker, (await everything.ReadAsync()).Topic);
        var retained = await sys.ReadAsync();
        Assert.Equal(("$SYS/broker/version", true), (retained.Topic, retained.Retain));
    }

    [Theory]
    [InlineData("$SYS/fake", QualityOfService.AtLeastOnce)]
    [InlineData("$SYS/fake", QualityOfService.ExactlyOnce)]
    [InlineData("$other/topic", QualityOfService.AtLeastOnce)]
    public async Task Publish_DollarTopic_RefusedWith0x90AndNotRouted(string topic, QualityOfService qos)
    {
        await using var broker = InProcessBroker.Start();
        await using var sys = await SubscriberAsync(broker, topic, QualityOfService.AtMostOnce);
        await using var publisher = await ConnectAsync(broker);

        var refused = await Assert.ThrowsAsync<MqttClientException>(async () => await publisher.PublishAsync(topic, Bytes("forged"), qos));

        // 5.0 §4.7.2: '$' topics are the server's; the PUBACK/PUBREC says 0x90 Topic Name invalid.
        Assert.Equal(MqttClientErrorKind.PublishRefused, refused.Kind);
        Assert.Equal(ReasonCode.TopicNameInvalid, refused.ReasonCode);
        broker.Broker.PublishSystemMessage(topic, Bytes("marker"), retain: false);
        Assert.Equal("marker", Text(await sys.ReadAsync()));
        Assert.True(publisher.IsConnected);
    }
}
