using MqttHealth.Broker.Testing;
using MqttHealth.Mqtt.Protocol;

namespace MqttHealth.Broker.Interop.Tests.Infrastructure;

/// <summary>
/// One third-party MQTT client, driven through its command line. Every method returns once the client has
/// reached the stated point (subscribed, all messages acknowledged, connected) and throws, with the client's
/// output, if it exits or times out first.
/// </summary>
public interface IInteropClient
{
    /// <summary>Short name used in test data: mosquitto, paho, mqttjs.</summary>
    string Name { get; }

    bool Supports(MqttProtocolVersion version, ClientTransport transport);

    /// <summary>Whether the client resolves topic aliases the broker sends it (can announce a Topic Alias Maximum).</summary>
    bool ResolvesInboundTopicAliases { get; }

    /// <summary>Starts a subscriber and returns once it is subscribed (or, when not subscribing, connected).</summary>
    Task<InteropSubscriber> StartSubscriberAsync(BrokerProcess broker, SubscribeRequest request);

    /// <summary>Publishes and returns after the client has exited with code 0 (every QoS 1/2 message acknowledged).</summary>
    Task<ClientProcess> PublishAsync(BrokerProcess broker, PublishRequest request);

    /// <summary>
    /// Starts a client holding a Will Message and returns once it is connected; the test then kills it. With
    /// <see cref="WillRequest.DisconnectNormally"/>, returns after the client has disconnected and exited 0.
    /// </summary>
    Task<ClientProcess> StartWillClientAsync(BrokerProcess broker, WillRequest request);
}
