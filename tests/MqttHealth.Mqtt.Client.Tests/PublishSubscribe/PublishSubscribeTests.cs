using MqttHealth.Mqtt.Client.Tests.Infrastructure;
using MqttHealth.Mqtt.Packets;
using MqttHealth.Mqtt.Protocol;

namespace MqttHealth.Mqtt.Client.Tests.PublishSubscribe;

public sealed class PublishSubscribeTests : IClassFixture<MosquittoFixture>
{
    private readonly MosquittoFixture _mosquitto;

    public PublishSubscribeTests(MosquittoFixture mosquitto) => _mosquitto = mosquitto;

    public static TheoryData<MqttProtocolVersion, QualityOfService> VersionsAndQoS()
    {
        var data = new TheoryData<MqttProtocolVersion, QualityOfService>();
        foreach (MqttProtocolVersion version in new[] { MqttProtocolVersion.V311, MqttProtocolVersion.V500 })
        {
            foreach (QualityOfService qos in new[] { QualityOfService.AtMostOnce, QualityOfService.AtLeastOnce, QualityOfService.ExactlyOnce })
            {
                data.Add(version, qos);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(VersionsAndQoS))]
    public async Task Publish_ToSubscriber_RoundTripsAtEachQoS(MqttProtocolVersion version, QualityOfService qos)
    {
        string topic = TestClients.NewTopic();
        await using MqttClient subscriber = await TestClients.ConnectAsync(_mosquitto.Port, version);
        await using MqttClient publisher = await TestClients.ConnectAsync(_mosquitto.Port, version);
        MqttClientSubscribeResult subscribed = await subscriber.SubscribeAsync(topic, QualityOfService.ExactlyOnce);
        Assert.Equal([ReasonCode.GrantedQoS2], subscribed.ReasonCodes);

        MqttClientPublishResult published = await publisher.PublishAsync(topic, TestClients.Bytes($"hello {qos}"), qos);
        MqttApplicationMessage message = await subscriber.ReceivedMessages.ReadAsync();

        Assert.Equal(topic, message.Topic);
        Assert.Equal($"hello {qos}", TestClients.Text(message));
        Assert.Equal(qos, message.QoS);
        Assert.False(message.Retain);
        Assert.False(message.Dup);
        Assert.True(published.ReasonCode < ReasonCode.UnspecifiedError);
        Assert.Equal(qos == QualityOfService.AtMostOnce, published.PacketId == 0);
        Assert.Equal(0, publisher.InflightCount);
    }

    [Theory]
    [InlineData(QualityOfService.AtLeastOnce)]
    [InlineData(QualityOfService.ExactlyOnce)]
    public async Task Publish_V5WithProperties_DeliversThem(QualityOfService qos)
    {
        string topic = TestClients.NewTopic();
        await using MqttClient subscriber = await TestClients.ConnectAsync(_mosquitto.Port);
        await using MqttClient publisher = await TestClients.ConnectAsync(_mosquitto.Port);
        await subscriber.SubscribeAsync(topic, QualityOfService.ExactlyOnce);
        var properties = new MqttProperties
        {
            ContentType = "application/x-protobuf",
            ResponseTopic = topic + "/reply",
            CorrelationData = new byte[] { 1, 2, 3 },
            PayloadFormatIndicator = PayloadFormat.Unspecified,
            MessageExpiryInterval = 300,
        };
        properties.UserProperties.Add(new MqttUserProperty("device", "d-17"));

        await publisher.PublishAsync(topic, new byte[] { 0xCA, 0xFE }, qos, properties: properties);
        MqttApplicationMessage message = await subscriber.ReceivedMessages.ReadAsync();

        Assert.Equal(new byte[] { 0xCA, 0xFE }, message.Payload.ToArray());
        Assert.NotNull(message.Properties);
        Assert.Equal("application/x-protobuf", message.Properties.ContentType);
        Assert.Equal(topic + "/reply", message.Properties.ResponseTopic);
        Assert.Equal(new byte[] { 1, 2, 3 }, message.Properties.CorrelationData!.Value.ToArray());
        Assert.Contains(new MqttUserProperty("device", "d-17"), message.Properties.UserProperties);
        Assert.InRange(message.Properties.MessageExpiryInterval!.Value, 1u, 300u);
        Assert.Null(properties.TopicAlias);
    }

    [Fact]
    public async Task Publish_V5NoSubscribers_ReturnsNoMatchingSubscribersAsSuccess()
    {
        await using MqttClient publisher = await TestClients.ConnectAsync(_mosquitto.Port);

        MqttClientPublishResult result = await publisher.PublishAsync(TestClients.NewTopic(), TestClients.Bytes("x"), QualityOfService.AtLeastOnce);

        Assert.Equal(ReasonCode.NoMatchingSubscribers, result.ReasonCode);
    }

    [Fact]
    public async Task Publish_ManyConcurrentQoS1And2_AllCompleteAndArriveInOrderPerQoS()
    {
        string topic = TestClients.NewTopic();
        await using MqttClient subscriber = await TestClients.ConnectAsync(_mosquitto.Port);
        await using MqttClient publisher = await TestClients.ConnectAsync(_mosquitto.Port);
        await subscriber.SubscribeAsync(topic, QualityOfService.ExactlyOnce);
        const int count = 300;

        var sends = new List<Task<MqttClientPublishResult>>();
        for (int i = 0; i < count; i++)
        {
            sends.Add(publisher.PublishAsync(topic, TestClients.Bytes(i.ToString(System.Globalization.CultureInfo.InvariantCulture)), (QualityOfService)(1 + (i % 2))).AsTask());
        }

        await Task.WhenAll(sends).WaitAsync(TestClients.Timeout);
        var received = new List<int>();
        for (int i = 0; i < count; i++)
        {
            received.Add(int.Parse(TestClients.Text(await subscriber.ReceivedMessages.ReadAsync()), System.Globalization.CultureInfo.InvariantCulture));
        }

        Assert.Equal(Enumerable.Range(0, count), received.Order());
        Assert.Equal(count, sends.Select(s => s.Result.PacketId).Distinct().Count());
        Assert.Equal(0, publisher.InflightCount);
    }

    [Fact]
    public async Task Unsubscribe_V5_ReturnsReasonCodesAndStopsDelivery()
    {
        string topic = TestClients.NewTopic("a");
        string marker = TestClients.NewTopic("marker");
        await using MqttClient subscriber = await TestClients.ConnectAsync(_mosquitto.Port);
        await using MqttClient publisher = await TestClients.ConnectAsync(_mosquitto.Port);
        await subscriber.SubscribeAsync([new MqttSubscription(topic, QualityOfService.AtLeastOnce), new MqttSubscription(marker, QualityOfService.AtLeastOnce)]);

        MqttClientUnsubscribeResult result = await subscriber.UnsubscribeAsync([topic, TestClients.NewTopic("never")]);
        await publisher.PublishAsync(topic, TestClients.Bytes("after unsubscribe"), QualityOfService.AtLeastOnce);
        await publisher.PublishAsync(marker, TestClients.Bytes("marker"), QualityOfService.AtLeastOnce);

        Assert.Equal([ReasonCode.Success, ReasonCode.NoSubscriptionExisted], result.ReasonCodes);
        Assert.Equal(marker, (await subscriber.ReceivedMessages.ReadAsync()).Topic);
    }

    [Fact]
    public async Task Unsubscribe_V311_ReturnsNoCodesAndStopsDelivery()
    {
        string topic = TestClients.NewTopic("a");
        string marker = TestClients.NewTopic("marker");
        await using MqttClient subscriber = await TestClients.ConnectAsync(_mosquitto.Port, MqttProtocolVersion.V311);
        await using MqttClient publisher = await TestClients.ConnectAsync(_mosquitto.Port, MqttProtocolVersion.V311);
        await subscriber.SubscribeAsync([new MqttSubscription(topic, QualityOfService.AtLeastOnce), new MqttSubscription(marker, QualityOfService.AtLeastOnce)]);

        MqttClientUnsubscribeResult result = await subscriber.UnsubscribeAsync(topic);
        await publisher.PublishAsync(topic, TestClients.Bytes("after unsubscribe"), QualityOfService.AtLeastOnce);
        await publisher.PublishAsync(marker, TestClients.Bytes("marker"), QualityOfService.AtLeastOnce);

        Assert.Empty(result.ReasonCodes);
        Assert.Equal(marker, (await subscriber.ReceivedMessages.ReadAsync()).Topic);
    }

    [Fact]
    public async Task Subscribe_SeveralFiltersWithWildcards_ReturnsOneCodePerFilter()
    {
        string root = TestClients.NewTopic("root");
        await using MqttClient client = await TestClients.ConnectAsync(_mosquitto.Port);

        MqttClientSubscribeResult result = await client.SubscribeAsync(
        [
            new MqttSubscription(root + "/+/x", QualityOfService.AtMostOnce),
            new MqttSubscription(root + "/#", QualityOfService.AtLeastOnce),
            new MqttSubscription(root + "/exact", QualityOfService.ExactlyOnce),
        ]);

        Assert.Equal([ReasonCode.GrantedQoS0, ReasonCode.GrantedQoS1, ReasonCode.GrantedQoS2], result.ReasonCodes);
    }

    [Fact]
    public async Task Publish_InvalidTopicOrProperties_ThrowsArgumentExceptionWithoutSending()
    {
        await using MqttClient client = await TestClients.ConnectAsync(_mosquitto.Port);

        await Assert.ThrowsAsync<ArgumentException>(async () => await client.PublishAsync("a/+", TestClients.Bytes("x")));
        await Assert.ThrowsAsync<ArgumentException>(async () => await client.PublishAsync(string.Empty, TestClients.Bytes("x")));
        await Assert.ThrowsAsync<ArgumentException>(async () => await client.PublishAsync("a/b", TestClients.Bytes("x"), properties: new MqttProperties { TopicAlias = 1 }));
        var withSubscriptionId = new MqttProperties();
        withSubscriptionId.SubscriptionIdentifiers.Add(3);
        await Assert.ThrowsAsync<ArgumentException>(async () => await client.PublishAsync("a/b", TestClients.Bytes("x"), properties: withSubscriptionId));
        await Assert.ThrowsAsync<ArgumentException>(() => client.SubscribeAsync("a/#/b"));
        Assert.True(client.IsConnected);
    }
}
