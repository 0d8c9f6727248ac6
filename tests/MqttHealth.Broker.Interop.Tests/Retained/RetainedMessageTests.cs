using MqttHealth.Broker.Interop.Tests.Infrastructure;
using MqttHealth.Mqtt.Protocol;

namespace MqttHealth.Broker.Interop.Tests.Retained;

/// <summary>
/// Retained messages: the last one on a topic goes to every later subscriber with RETAIN set
/// [MQTT-3.3.1-6, MQTT-3.3.1-8 (3.1.1)]; a retained PUBLISH with an empty payload removes it [MQTT-3.3.1-10/11].
/// </summary>
public sealed class RetainedMessageTests(BrokerFixture fixture) : IClassFixture<BrokerFixture>
{
    public static TheoryData<string, MqttProtocolVersion> Cases => InteropClients.WithVersions();

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Retained_SetTwiceThenSubscribe_OnlyLatestDeliveredWithRetainFlag(string clientName, MqttProtocolVersion version)
    {
        IInteropClient client = InteropClients.Get(clientName);
        string topic = TestNames.Topic("retained");
        await PublishRetainedAsync(client, version, topic, ["status-1"]);
        await PublishRetainedAsync(client, version, topic, ["status-2"]);

        // One message expected: had the broker kept status-1 as well, it would be the one received.
        await using InteropSubscriber subscriber = await client.StartSubscriberAsync(
            fixture.Broker,
            new SubscribeRequest(new ClientConnection(version, TestNames.ClientId("sub")), [topic], QoS: 1, ExpectedCount: 1));

        IReadOnlyList<ReceivedMessage> received = await subscriber.CompleteAsync(InteropTimeouts.Test);
        Assert.Equal([new ReceivedMessage(topic, "status-2", QoS: 1, Retain: true)], received);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Retained_ClearedWithEmptyPayload_NotDeliveredToLaterSubscriber(string clientName, MqttProtocolVersion version)
    {
        IInteropClient client = InteropClients.Get(clientName);
        string topic = TestNames.Topic("cleared");
        string sentinelTopic = topic + "/sentinel";
        await PublishRetainedAsync(client, version, topic, ["status-1"]);
        await PublishRetainedAsync(client, version, topic, []);

        // The subscriber takes one message. Retained messages are queued to it when it subscribes, before the
        // sentinel published afterwards, so a retained message that survived the clear would come first.
        await using InteropSubscriber subscriber = await client.StartSubscriberAsync(
            fixture.Broker,
            new SubscribeRequest(new ClientConnection(version, TestNames.ClientId("sub")), [topic, sentinelTopic], QoS: 1, ExpectedCount: 1));
        await using ClientProcess sentinel = await client.PublishAsync(
            fixture.Broker,
            new PublishRequest(new ClientConnection(version, TestNames.ClientId("pub")), sentinelTopic, ["sentinel"], QoS: 1));

        IReadOnlyList<ReceivedMessage> received = await subscriber.CompleteAsync(InteropTimeouts.Test);
        Assert.Equal([new ReceivedMessage(sentinelTopic, "sentinel", QoS: 1, Retain: false)], received);
    }

    private async Task PublishRetainedAsync(IInteropClient client, MqttProtocolVersion version, string topic, IReadOnlyList<string> payloads)
    {
        await using ClientProcess publisher = await client.PublishAsync(
            fixture.Broker,
            new PublishRequest(new ClientConnection(version, TestNames.ClientId("ret")), topic, payloads, QoS: 1, Retain: true));
    }
}
