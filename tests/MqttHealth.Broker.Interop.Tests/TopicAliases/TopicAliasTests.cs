using System.Text.Json;
using MqttHealth.Broker.Interop.Tests.Infrastructure;
using MqttHealth.Mqtt.Protocol;

namespace MqttHealth.Broker.Interop.Tests.TopicAliases;

/// <summary>
/// Topic aliases (MQTT 5.0 section 3.3.2.3.4). Client to broker: the publisher's first PUBLISH carries the
/// topic and alias 1, the following ones alias 1 and an empty topic; the broker must resolve the alias and
/// deliver every message under its full topic name. Broker to client: where the subscribing client can resolve
/// aliases (MQTT.js; see <see cref="IInteropClient.ResolvesInboundTopicAliases"/> for why not the others) it
/// announces a Topic Alias Maximum of 10, so the broker may alias towards it as well; the subscriber must still
/// see the full topic on every message.
/// </summary>
public sealed class TopicAliasTests(BrokerFixture fixture) : IClassFixture<BrokerFixture>
{
    /// <summary>
    /// MQTT.js 5.16.0 is not run at QoS 2 with inbound aliases: for QoS 2 it emits the message on PUBREL from the
    /// stored packet, whose topic is still the empty aliased one (handlers/pubrel.js), a client bug.
    /// </summary>
    public static TheoryData<string, int> Cases => new()
    {
        { InteropClients.Mosquitto, 1 },
        { InteropClients.Mosquitto, 2 },
        { InteropClients.Paho, 1 },
        { InteropClients.Paho, 2 },
        { InteropClients.MqttJs, 1 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task TopicAlias_PublisherUsesAlias_SubscriberGetsFullTopic(string clientName, int qos)
    {
        IInteropClient client = InteropClients.Get(clientName);
        string topic = TestNames.Topic("alias");
        string[] payloads = ["aliased-1", "aliased-2", "aliased-3"];

        await using InteropSubscriber subscriber = await client.StartSubscriberAsync(
            fixture.Broker,
            new SubscribeRequest(
                new ClientConnection(MqttProtocolVersion.V500, TestNames.ClientId("sub")),
                [topic],
                qos,
                payloads.Length,
                TopicAliasMaximum: client.ResolvesInboundTopicAliases ? (ushort)10 : null));
        await using ClientProcess publisher = await client.PublishAsync(
            fixture.Broker,
            new PublishRequest(new ClientConnection(MqttProtocolVersion.V500, TestNames.ClientId("pub")), topic, payloads, qos, TopicAlias: 1));

        IReadOnlyList<ReceivedMessage> received = await subscriber.CompleteAsync(InteropTimeouts.Test);
        Assert.Equal(payloads.Select(p => new ReceivedMessage(topic, p, qos, Retain: false)), received);

        // The scripts report CONNACK's Topic Alias Maximum: a client may only use aliases up to it [MQTT-3.3.2-9].
        if (client is ScriptClient)
        {
            JsonElement connected = ScriptClient.Events(publisher).First(e => e.GetProperty("event").GetString() == "connected");
            Assert.True(
                connected.TryGetProperty("topic_alias_maximum", out JsonElement maximum) && maximum.GetInt32() >= 1,
                "CONNACK should announce a Topic Alias Maximum of at least 1: " + connected);
        }
    }
}
