using MqttHealth.Mqtt.Client.Tests.Infrastructure;
using MqttHealth.Mqtt.Packets;
using MqttHealth.Mqtt.Protocol;

namespace MqttHealth.Mqtt.Client.Tests.PublishSubscribe;

/// <summary>MQTT 5.0 subscription options (5.0 §3.8.3.1) and Subscription Identifiers (§3.8.2.1.2) against Mosquitto.</summary>
public sealed class SubscriptionOptionsTests : IClassFixture<MosquittoFixture>
{
    private readonly MosquittoFixture _mosquitto;

    public SubscriptionOptionsTests(MosquittoFixture mosquitto) => _mosquitto = mosquitto;

    [Fact]
    public async Task NoLocal_OwnMessagesAreNotDelivered()
    {
        string topic = TestClients.NewTopic();
        await using MqttClient client = await TestClients.ConnectAsync(_mosquitto.Port);
        await using MqttClient other = await TestClients.ConnectAsync(_mosquitto.Port);
        await client.SubscribeAsync([new MqttSubscription(topic, QualityOfService.AtLeastOnce, NoLocal: true)]);

        // The PUBACK means the server has routed the own message; the other client's comes after it.
        await client.PublishAsync(topic, TestClients.Bytes("own"), QualityOfService.AtLeastOnce);
        await other.PublishAsync(topic, TestClients.Bytes("other"), QualityOfService.AtLeastOnce);

        Assert.Equal("other", TestClients.Text(await client.ReceivedMessages.ReadAsync()));
    }

    [Fact]
    public async Task NoLocalOff_OwnMessagesAreDelivered()
    {
        string topic = TestClients.NewTopic();
        await using MqttClient client = await TestClients.ConnectAsync(_mosquitto.Port);
        await client.SubscribeAsync([new MqttSubscription(topic, QualityOfService.AtLeastOnce, NoLocal: false)]);

        await client.PublishAsync(topic, TestClients.Bytes("own"), QualityOfService.AtLeastOnce);

        Assert.Equal("own", TestClients.Text(await client.ReceivedMessages.ReadAsync()));
    }

    [Fact]
    public async Task RetainHandling_EachOption_ControlsRetainedDeliveryAtSubscribe()
    {
        string topic = TestClients.NewTopic("retained");
        string marker = TestClients.NewTopic("marker");
        await using MqttClient publisher = await TestClients.ConnectAsync(_mosquitto.Port);
        await publisher.PublishAsync(topic, TestClients.Bytes("kept"), QualityOfService.AtLeastOnce, retain: true);

        // SendAtSubscribe: delivered, with RETAIN set.
        await using MqttClient always = await TestClients.ConnectAsync(_mosquitto.Port);
        await always.SubscribeAsync([new MqttSubscription(topic, QualityOfService.AtLeastOnce, RetainHandling: RetainHandling.SendAtSubscribe)]);
        MqttApplicationMessage retained = await always.ReceivedMessages.ReadAsync();
        Assert.Equal("kept", TestClients.Text(retained));
        Assert.True(retained.Retain);

        // DoNotSend: nothing at subscribe; the first message is the marker published afterwards.
        await using MqttClient never = await TestClients.ConnectAsync(_mosquitto.Port);
        await never.SubscribeAsync(
        [
            new MqttSubscription(topic, QualityOfService.AtLeastOnce, RetainHandling: RetainHandling.DoNotSend),
            new MqttSubscription(marker, QualityOfService.AtLeastOnce),
        ]);
        await publisher.PublishAsync(marker, TestClients.Bytes("marker"), QualityOfService.AtLeastOnce);
        Assert.Equal(marker, (await never.ReceivedMessages.ReadAsync()).Topic);

        // SendAtSubscribeIfNew: delivered for the new subscription, not when the same subscription is repeated.
        await using MqttClient once = await TestClients.ConnectAsync(_mosquitto.Port);
        await once.SubscribeAsync(
        [
            new MqttSubscription(topic, QualityOfService.AtLeastOnce, RetainHandling: RetainHandling.SendAtSubscribeIfNew),
            new MqttSubscription(marker, QualityOfService.AtLeastOnce),
        ]);
        Assert.Equal("kept", TestClients.Text(await once.ReceivedMessages.ReadAsync()));
        await once.SubscribeAsync([new MqttSubscription(topic, QualityOfService.AtLeastOnce, RetainHandling: RetainHandling.SendAtSubscribeIfNew)]);
        await publisher.PublishAsync(marker, TestClients.Bytes("marker"), QualityOfService.AtLeastOnce);
        Assert.Equal(marker, (await once.ReceivedMessages.ReadAsync()).Topic);

        await publisher.PublishAsync(topic, ReadOnlyMemory<byte>.Empty, QualityOfService.AtLeastOnce, retain: true);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task RetainAsPublished_ControlsRetainFlagOnLiveMessages(bool retainAsPublished)
    {
        string topic = TestClients.NewTopic();
        await using MqttClient subscriber = await TestClients.ConnectAsync(_mosquitto.Port);
        await using MqttClient publisher = await TestClients.ConnectAsync(_mosquitto.Port);
        await subscriber.SubscribeAsync([new MqttSubscription(topic, QualityOfService.AtLeastOnce, RetainAsPublished: retainAsPublished)]);

        await publisher.PublishAsync(topic, TestClients.Bytes("live"), QualityOfService.AtLeastOnce, retain: true);
        MqttApplicationMessage message = await subscriber.ReceivedMessages.ReadAsync();

        Assert.Equal(retainAsPublished, message.Retain);
        await publisher.PublishAsync(topic, ReadOnlyMemory<byte>.Empty, QualityOfService.AtLeastOnce, retain: true);
    }

    [Fact]
    public async Task SubscriptionIdentifier_IsDeliveredWithMatchingMessages()
    {
        string root = TestClients.NewTopic("root");
        await using MqttClient subscriber = await TestClients.ConnectAsync(_mosquitto.Port);
        await using MqttClient publisher = await TestClients.ConnectAsync(_mosquitto.Port);
        var first = new MqttProperties();
        first.SubscriptionIdentifiers.Add(42);
        first.UserProperties.Add(new MqttUserProperty("purpose", "vitals"));
        await subscriber.SubscribeAsync([new MqttSubscription(root + "/vitals", QualityOfService.AtLeastOnce)], first);
        var second = new MqttProperties();
        second.SubscriptionIdentifiers.Add(7);
        await subscriber.SubscribeAsync([new MqttSubscription(root + "/alarms", QualityOfService.AtLeastOnce)], second);

        await publisher.PublishAsync(root + "/vitals", TestClients.Bytes("v"), QualityOfService.AtLeastOnce);
        await publisher.PublishAsync(root + "/alarms", TestClients.Bytes("a"), QualityOfService.AtLeastOnce);

        Assert.Equal([42u], (await subscriber.ReceivedMessages.ReadAsync()).SubscriptionIdentifiers);
        Assert.Equal([7u], (await subscriber.ReceivedMessages.ReadAsync()).SubscriptionIdentifiers);
    }
}
