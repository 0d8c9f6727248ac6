using MqttHealth.Broker.Interop.Tests.Infrastructure;
using MqttHealth.Mqtt.Protocol;

namespace MqttHealth.Broker.Interop.Tests.Will;

/// <summary>
/// Will Messages: published when the network connection closes without a DISCONNECT [MQTT-3.1.2-8]. The client
/// process is killed (SIGKILL), so the broker sees the TCP connection end with no DISCONNECT first.
/// </summary>
public sealed class WillMessageTests(BrokerFixture fixture) : IClassFixture<BrokerFixture>
{
    public static TheoryData<string, MqttProtocolVersion> Cases => InteropClients.WithVersions();

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Will_ClientKilled_WillPublishedToSubscriber(string clientName, MqttProtocolVersion version)
    {
        IInteropClient client = InteropClients.Get(clientName);
        string willTopic = TestNames.Topic("will");
        string willPayload = "offline:" + clientName;

        await using InteropSubscriber subscriber = await client.StartSubscriberAsync(
            fixture.Broker,
            new SubscribeRequest(new ClientConnection(version, TestNames.ClientId("sub")), [willTopic], QoS: 1, ExpectedCount: 1));
        await using ClientProcess willClient = await client.StartWillClientAsync(
            fixture.Broker,
            new WillRequest(new ClientConnection(version, TestNames.ClientId("will")), willTopic, willPayload, WillQoS: 1));
        Assert.Empty(subscriber.Messages);

        willClient.Kill();

        IReadOnlyList<ReceivedMessage> received = await subscriber.CompleteAsync(InteropTimeouts.Test);
        Assert.Equal([new ReceivedMessage(willTopic, willPayload, QoS: 1, Retain: false)], received);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Will_RetainedWillClientKilled_LaterSubscriberReceivesItRetained(string clientName, MqttProtocolVersion version)
    {
        IInteropClient client = InteropClients.Get(clientName);
        string willTopic = TestNames.Topic("will-retained");
        string willPayload = "offline:" + clientName;

        // A live subscriber tells when the Will has been published; a later one must then get it as retained.
        await using InteropSubscriber live = await client.StartSubscriberAsync(
            fixture.Broker,
            new SubscribeRequest(new ClientConnection(version, TestNames.ClientId("sub")), [willTopic], QoS: 1, ExpectedCount: 1));
        await using ClientProcess willClient = await client.StartWillClientAsync(
            fixture.Broker,
            new WillRequest(new ClientConnection(version, TestNames.ClientId("will")), willTopic, willPayload, WillQoS: 1, WillRetain: true));
        willClient.Kill();
        IReadOnlyList<ReceivedMessage> first = await live.CompleteAsync(InteropTimeouts.Test);

        await using InteropSubscriber later = await client.StartSubscriberAsync(
            fixture.Broker,
            new SubscribeRequest(new ClientConnection(version, TestNames.ClientId("late")), [willTopic], QoS: 1, ExpectedCount: 1));
        IReadOnlyList<ReceivedMessage> second = await later.CompleteAsync(InteropTimeouts.Test);

        Assert.Equal([willPayload], first.Select(m => m.Payload));
        Assert.Equal([new ReceivedMessage(willTopic, willPayload, QoS: 1, Retain: true)], second);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Will_ClientDisconnectsNormally_WillNotPublished(string clientName, MqttProtocolVersion version)
    {
        IInteropClient client = InteropClients.Get(clientName);
        string willTopic = TestNames.Topic("will-discarded");
        string sentinelTopic = willTopic + "/sentinel";

        // DISCONNECT (normal disconnection) discards the Will [MQTT-3.1.2-10]. The subscriber takes one message:
        // the sentinel published after the will client has gone. A Will published by mistake is routed when the
        // broker handles the closed connection, normally before the sentinel's connection is even accepted, so it
        // would be the one received.
        await using InteropSubscriber subscriber = await client.StartSubscriberAsync(
            fixture.Broker,
            new SubscribeRequest(new ClientConnection(version, TestNames.ClientId("sub")), [willTopic, sentinelTopic], QoS: 1, ExpectedCount: 1));
        await using ClientProcess willClient = await client.StartWillClientAsync(
            fixture.Broker,
            new WillRequest(new ClientConnection(version, TestNames.ClientId("will")), willTopic, "must-not-appear", WillQoS: 1, DisconnectNormally: true));
        await using ClientProcess sentinel = await client.PublishAsync(
            fixture.Broker,
            new PublishRequest(new ClientConnection(version, TestNames.ClientId("pub")), sentinelTopic, ["sentinel"], QoS: 1));

        IReadOnlyList<ReceivedMessage> received = await subscriber.CompleteAsync(InteropTimeouts.Test);
        Assert.Equal([new ReceivedMessage(sentinelTopic, "sentinel", QoS: 1, Retain: false)], received);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Will_PublisherSendsQoS0ThenDisconnects_AllMessagesArriveAndWillNotPublished(string clientName, MqttProtocolVersion version)
    {
        const int Publishers = 10;
        IInteropClient client = InteropClients.Get(clientName);
        string dataTopic = TestNames.Topic("burst");
        string willTopic = dataTopic + "/will";
        string sentinelTopic = dataTopic + "/sentinel";
        string subscriberId = TestNames.ClientId("sub");
        var publisherIds = new List<string>();

        // Each publisher sends three QoS 0 messages and DISCONNECT back to back, then closes the socket: the
        // broker must handle every packet it received before the close, so all 30 messages arrive and every
        // Will is discarded [MQTT-3.1.2-10]. The sentinel, published last, completes the expected count.
        await using InteropSubscriber subscriber = await client.StartSubscriberAsync(
            fixture.Broker,
            new SubscribeRequest(new ClientConnection(version, subscriberId), [dataTopic, willTopic, sentinelTopic], QoS: 1, ExpectedCount: (Publishers * 3) + 1));
        var expected = new List<string>();
        for (int i = 0; i < Publishers; i++)
        {
            string publisherId = TestNames.ClientId("bur");
            publisherIds.Add(publisherId);
            string[] payloads = [$"p{i}-a", $"p{i}-b", $"p{i}-c"];
            expected.AddRange(payloads);
            await using ClientProcess publisher = await client.PublishAsync(
                fixture.Broker,
                new PublishRequest(new ClientConnection(version, publisherId), dataTopic, payloads, QoS: 0, WillTopic: willTopic, WillPayload: "will-" + i));
        }

        await using ClientProcess sentinel = await client.PublishAsync(
            fixture.Broker,
            new PublishRequest(new ClientConnection(version, TestNames.ClientId("pub")), sentinelTopic, ["sentinel"], QoS: 1));
        expected.Add("sentinel");

        string Diagnostics() => InteropDiagnostics.Describe(fixture.Broker, [subscriberId, .. publisherIds]);
        IReadOnlyList<ReceivedMessage> received = await subscriber.CompleteAsync(InteropTimeouts.Test, Diagnostics);
        string[] wills = received.Where(m => m.Topic == willTopic).Select(m => m.Payload).ToArray();
        Assert.True(wills.Length == 0, $"Wills published although every publisher sent DISCONNECT: {string.Join(", ", wills)}{Diagnostics()}");
        Assert.Equal(expected.Order(StringComparer.Ordinal), received.Select(m => m.Payload).Order(StringComparer.Ordinal));
    }
}
