using MqttHealth.Broker.Interop.Tests.Infrastructure;
using MqttHealth.Mqtt.Protocol;

namespace MqttHealth.Broker.Interop.Tests.Tls;

/// <summary>
/// MQTT over TLS on the broker's TLS port, each client verifying the broker with the development certificate
/// the broker generated in its data directory (dev-tls-cert.pem) as its only trusted CA: mosquitto --cafile,
/// Paho tls_set(ca_certs=...), MQTT.js mqtts:// with ca.
/// </summary>
public sealed class TlsTests(BrokerFixture fixture) : IClassFixture<BrokerFixture>
{
    public static TheoryData<string, MqttProtocolVersion> Cases => InteropClients.WithVersions();

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Tls_PublishSubscribeVerifyingDevCertificate_RoundTrips(string clientName, MqttProtocolVersion version)
    {
        Assert.True(
            File.Exists(fixture.Broker.DevelopmentCertificatePath),
            $"The broker should have generated {fixture.Broker.DevelopmentCertificatePath}.{Environment.NewLine}{fixture.Broker.Output}");
        IInteropClient client = InteropClients.Get(clientName);
        string topic = TestNames.Topic("tls");
        string[] payloads = ["encrypted-1", "encrypted-2"];

        await using InteropSubscriber subscriber = await client.StartSubscriberAsync(
            fixture.Broker,
            new SubscribeRequest(new ClientConnection(version, TestNames.ClientId("sub"), ClientTransport.Tls), [topic], QoS: 1, payloads.Length));
        await using ClientProcess publisher = await client.PublishAsync(
            fixture.Broker,
            new PublishRequest(new ClientConnection(version, TestNames.ClientId("pub"), ClientTransport.Tls), topic, payloads, QoS: 1));

        IReadOnlyList<ReceivedMessage> received = await subscriber.CompleteAsync(InteropTimeouts.Test);
        Assert.Equal(payloads.Select(p => new ReceivedMessage(topic, p, QoS: 1, Retain: false)), received);
    }
}
