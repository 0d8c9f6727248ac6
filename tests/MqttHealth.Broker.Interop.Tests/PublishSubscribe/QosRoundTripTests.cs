using MqttHealth.Broker.Interop.Tests.Infrastructure;
using MqttHealth.Mqtt.Protocol;

namespace MqttHealth.Broker.Interop.Tests.PublishSubscribe;

/// <summary>
/// Publish and subscribe through the broker with the same third-party client on both ends, at each QoS.
/// Messages from one publisher on one topic at one QoS arrive in order (3.1.1 section 4.6, 5.0 section 4.6).
/// </summary>
public sealed class QosRoundTripTests(BrokerFixture fixture) : IClassFixture<BrokerFixture>
{
    public static TheoryData<string, MqttProtocolVersion, int> Cases => InteropClients.WithVersionsAndQoS();

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task PublishSubscribe_SameClientAndQoS_AllArriveInOrderAtThatQoS(string clientName, MqttProtocolVersion version, int qos)
    {
        IInteropClient client = InteropClients.Get(clientName);
        string topic = TestNames.Topic("qos" + qos);
        string[] payloads = ["first", "second", "third"];

        string subscriberId = TestNames.ClientId("sub");
        string publisherId = TestNames.ClientId("pub");

        await using InteropSubscriber subscriber = await client.StartSubscriberAsync(
            fixture.Broker,
            new SubscribeRequest(new ClientConnection(version, subscriberId), [topic], qos, payloads.Length));
        Assert.Equal([qos], subscriber.Granted);
        await using ClientProcess publisher = await client.PublishAsync(
            fixture.Broker,
            new PublishRequest(new ClientConnection(version, publisherId), topic, payloads, qos));

        IReadOnlyList<ReceivedMessage> received = await subscriber.CompleteAsync(
            InteropTimeouts.Test,
            () => InteropDiagnostics.Describe(fixture.Broker, [subscriberId, publisherId], publisher));
        Assert.Equal(payloads.Select(p => new ReceivedMessage(topic, p, qos, Retain: false)), received);
    }
}
