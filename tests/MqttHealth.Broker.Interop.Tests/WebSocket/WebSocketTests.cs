using MqttHealth.Broker.Interop.Tests.Infrastructure;
using MqttHealth.Mqtt.Protocol;

namespace MqttHealth.Broker.Interop.Tests.WebSocket;

/// <summary>
/// MQTT over WebSocket at ws://127.0.0.1:{ws}/mqtt with subprotocol "mqtt" (MQTT 5.0 section 6), with the
/// clients that have a WebSocket transport: MQTT.js and Paho (libmosquitto has none).
/// </summary>
public sealed class WebSocketTests(BrokerFixture fixture) : IClassFixture<BrokerFixture>
{
    public static TheoryData<string, MqttProtocolVersion> Cases => InteropClients.WebSocketWithVersions();

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task WebSocket_PublishSubscribeOverWebSocket_RoundTrips(string clientName, MqttProtocolVersion version)
    {
        IInteropClient client = InteropClients.Get(clientName);
        string topic = TestNames.Topic("ws");
        string[] payloads = ["ws-1", "ws-2", "ws-3"];

        await using InteropSubscriber subscriber = await client.StartSubscriberAsync(
            fixture.Broker,
            new SubscribeRequest(new ClientConnection(version, TestNames.ClientId("sub"), ClientTransport.WebSocket), [topic], QoS: 2, payloads.Length));
        await using ClientProcess publisher = await client.PublishAsync(
            fixture.Broker,
            new PublishRequest(new ClientConnection(version, TestNames.ClientId("pub"), ClientTransport.WebSocket), topic, payloads, QoS: 2));

        IReadOnlyList<ReceivedMessage> received = await subscriber.CompleteAsync(InteropTimeouts.Test);
        Assert.Equal(payloads.Select(p => new ReceivedMessage(topic, p, QoS: 2, Retain: false)), received);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task WebSocket_SubscriberOnWebSocketPublisherOnTcp_RoundTrips(string clientName, MqttProtocolVersion version)
    {
        string topic = TestNames.Topic("ws-tcp");
        string[] payloads = ["from-tcp-1", "from-tcp-2"];

        await using InteropSubscriber subscriber = await InteropClients.Get(clientName).StartSubscriberAsync(
            fixture.Broker,
            new SubscribeRequest(new ClientConnection(version, TestNames.ClientId("sub"), ClientTransport.WebSocket), [topic], QoS: 1, payloads.Length));
        await using ClientProcess publisher = await InteropClients.Get(InteropClients.Mosquitto).PublishAsync(
            fixture.Broker,
            new PublishRequest(new ClientConnection(version, TestNames.ClientId("pub")), topic, payloads, QoS: 1));

        IReadOnlyList<ReceivedMessage> received = await subscriber.CompleteAsync(InteropTimeouts.Test);
        Assert.Equal(payloads.Select(p => new ReceivedMessage(topic, p, QoS: 1, Retain: false)), received);
    }
}
