using MqttHealth.Broker.Interop.Tests.Infrastructure;
using MqttHealth.Mqtt.Protocol;

namespace MqttHealth.Broker.Interop.Tests.PublishSubscribe;

/// <summary>
/// Publisher and subscriber are different clients, often on different protocol versions: the broker translates
/// between 3.1.1 and 5.0 sessions. QoS 2 published, QoS 1 granted: delivered at QoS 1, the minimum
/// (3.1.1 section 3.8.4, 5.0 section 3.8.4).
/// </summary>
public sealed class CrossClientTests(BrokerFixture fixture) : IClassFixture<BrokerFixture>
{
    public static TheoryData<string, MqttProtocolVersion, string, MqttProtocolVersion> Cases => InteropClients.CrossClient();

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task PublishSubscribe_DifferentClients_ArriveAtTheGrantedQoS(
        string publisherName, MqttProtocolVersion publisherVersion, string subscriberName, MqttProtocolVersion subscriberVersion)
    {
        string topic = TestNames.Topic("cross");
        string[] payloads = ["reading-1", "reading-2"];

        string subscriberId = TestNames.ClientId("sub");
        string publisherId = TestNames.ClientId("pub");

        await using InteropSubscriber subscriber = await InteropClients.Get(subscriberName).StartSubscriberAsync(
            fixture.Broker,
            new SubscribeRequest(new ClientConnection(subscriberVersion, subscriberId), [topic], QoS: 1, payloads.Length));
        await using ClientProcess publisher = await InteropClients.Get(publisherName).PublishAsync(
            fixture.Broker,
            new PublishRequest(new ClientConnection(publisherVersion, publisherId), topic, payloads, QoS: 2));

        IReadOnlyList<ReceivedMessage> received = await subscriber.CompleteAsync(
            InteropTimeouts.Test,
            () => InteropDiagnostics.Describe(fixture.Broker, [subscriberId, publisherId], publisher));
        Assert.Equal(payloads.Select(p => new ReceivedMessage(topic, p, QoS: 1, Retain: false)), received);
    }
}
