using MqttHealth.Broker.Tests.Infrastructure;
using MqttHealth.Mqtt.Client;
using MqttHealth.Mqtt.Protocol;
using static MqttHealth.Broker.Tests.Infrastructure.EngineClients;

namespace MqttHealth.Broker.Tests.Engine;

/// <summary>
/// The application properties the broker forwards unchanged (5.0 §3.3.2.3): user properties in order with
/// duplicates [MQTT-3.3.2-17, -18], content type [MQTT-3.3.2-20], payload format [MQTT-3.3.2-4],
/// response topic [MQTT-3.3.2-15] and correlation data [MQTT-3.3.2-16]; live, queued and retained.
/// </summary>
public class PropertyPassThroughTests
{
    private static readonly MqttUserProperty[] UserProperties =
    [
        new("a", "1"),
        new("b", "2"),
        new("a", "3"),
        new("a", "1"),
        new("ünï", "çødé"),
    ];

    private static MqttProperties Properties()
    {
        var p = new MqttProperties
        {
            ContentType = "application/fhir+json; charset=utf-8",
            PayloadFormatIndicator = PayloadFormat.Utf8,
            ResponseTopic = "reply/device-7",
            CorrelationData = new byte[] { 0, 1, 2, 255 },
        };
        foreach (var user in UserProperties)
        {
            p.UserProperties.Add(user);
        }

        return p;
    }

    private static void AssertForwarded(MqttApplicationMessage message)
    {
        var p = message.Properties;
        Assert.NotNull(p);
        Assert.Equal(UserProperties, p.UserProperties);
        Assert.Equal("application/fhir+json; charset=utf-8", p.ContentType);
        Assert.Equal(PayloadFormat.Utf8, p.PayloadFormatIndicator);
        Assert.Equal("reply/device-7", p.ResponseTopic);
        Assert.Equal(new byte[] { 0, 1, 2, 255 }, p.CorrelationData!.Value.ToArray());
    }

    [Fact]
    public async Task Publish_LiveSubscriber_PropertiesArriveUnchanged()
    {
        await using var broker = InProcessBroker.Start();
        var topic = NewTopic();
        await using var subscriber = await SubscriberAsync(broker, topic);
        await using var publisher = await ConnectAsync(broker);

        await publisher.PublishAsync(topic, Bytes("{}"), QualityOfService.AtLeastOnce, properties: Properties());

        AssertForwarded(await subscriber.ReadAsync());
    }

    [Fact]
    public async Task Publish_Qos0_PropertiesArriveUnchanged()
    {
        await using var broker = InProcessBroker.Start();
        var topic = NewTopic();
        await using var subscriber = await SubscriberAsync(broker, topic, QualityOfService.AtMostOnce);
        await using var publisher = await ConnectAsync(broker);

        await publisher.PublishAsync(topic, Bytes("{}"), QualityOfService.AtMostOnce, properties: Properties());

        AssertForwarded(await subscriber.ReadAsync());
    }

    [Fact]
    public async Task Publish_QueuedForOfflineSession_PropertiesArriveUnchanged()
    {
        await using var broker = InProcessBroker.Start();
        var topic = NewTopic();
        await using var subscriber = await OfflineSubscriberAsync(broker, topic, sessionExpiry: 300);
        await using var publisher = await ConnectAsync(broker);

        await publisher.PublishAsync(topic, Bytes("{}"), QualityOfService.AtLeastOnce, properties: Properties());
        await subscriber.ConnectAsync().WaitAsync(WaitLimit);

        AssertForwarded(await subscriber.ReadAsync());
    }

    [Fact]
    public async Task Publish_RetainedThenSubscribed_PropertiesArriveUnchanged()
    {
        await using var broker = InProcessBroker.Start();
        var topic = NewTopic();
        await using var publisher = await ConnectAsync(broker);
        await publisher.PublishAsync(topic, Bytes("{}"), QualityOfService.AtLeastOnce, retain: true, properties: Properties());

        await using var subscriber = await SubscriberAsync(broker, topic);

        AssertForwarded(await subscriber.ReadAsync());
    }

    [Fact]
    public async Task Publish_NoProperties_NoneAdded()
    {
        await using var broker = InProcessBroker.Start();
        var topic = NewTopic();
        await using var subscriber = await SubscriberAsync(broker, topic);
        await using var publisher = await ConnectAsync(broker);

        await publisher.PublishAsync(topic, Bytes("plain"), QualityOfService.AtLeastOnce);

        var p = (await subscriber.ReadAsync()).Properties;
        Assert.True(p is null || p.IsEmpty, "a message published without properties gained some");
    }

    [Fact]
    public async Task Publish_V311Subscriber_ReceivesPayloadWithoutProperties()
    {
        await using var broker = InProcessBroker.Start();
        var topic = NewTopic();
        await using var subscriber = await SubscriberAsync(broker, topic, configure: o => o.ProtocolVersion = MqttProtocolVersion.V311);
        await using var publisher = await ConnectAsync(broker);

        await publisher.PublishAsync(topic, Bytes("{}"), QualityOfService.AtLeastOnce, properties: Properties());

        var message = await subscriber.ReadAsync();
        Assert.Equal("{}", Text(message));
        Assert.Null(message.Properties);
    }
}
