using MqttHealth.Broker.Interop.Tests.Infrastructure;
using MqttHealth.Mqtt.Protocol;

namespace MqttHealth.Broker.Interop.Tests.Sessions;

/// <summary>
/// Persistent sessions: a subscriber connects with Clean Session 0 (3.1.1) or Clean Start 0 and a Session
/// Expiry Interval (5.0), subscribes at QoS 1 and disconnects. QoS 1 messages published while it is offline
/// are kept in its session and delivered, in order, when it reconnects without subscribing again
/// (3.1.1 section 3.1.2.4, 5.0 section 4.1). Runs on the durable (SQLite) broker.
/// </summary>
public sealed class PersistentSessionTests(DurableBrokerFixture fixture) : IClassFixture<DurableBrokerFixture>
{
    public static TheoryData<string, MqttProtocolVersion> Cases => InteropClients.WithVersions();

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task PersistentSession_MessagesPublishedWhileOffline_DeliveredOnReconnect(string clientName, MqttProtocolVersion version)
    {
        IInteropClient client = InteropClients.Get(clientName);
        string topic = TestNames.Topic("session");
        string[] payloads = ["queued-1", "queued-2", "queued-3"];
        var session = new ClientConnection(version, TestNames.ClientId("per"), CleanStart: false, SessionExpirySeconds: 300);

        await using (InteropSubscriber first = await client.StartSubscriberAsync(
            fixture.Broker,
            new SubscribeRequest(session, [topic], QoS: 1, ExpectedCount: 0, ExitAfterSubscribe: true)))
        {
            await first.CompleteAsync(InteropTimeouts.Test);
        }

        await using ClientProcess publisher = await client.PublishAsync(
            fixture.Broker,
            new PublishRequest(new ClientConnection(version, TestNames.ClientId("pub")), topic, payloads, QoS: 1));

        await using InteropSubscriber resumed = await client.StartSubscriberAsync(
            fixture.Broker,
            new SubscribeRequest(session, [topic], QoS: 1, ExpectedCount: payloads.Length, Subscribe: false));
        IReadOnlyList<ReceivedMessage> received = await resumed.CompleteAsync(InteropTimeouts.Test);

        Assert.Equal(payloads.Select(p => new ReceivedMessage(topic, p, QoS: 1, Retain: false)), received);
        if (resumed.SessionPresent is { } sessionPresent)
        {
            Assert.True(sessionPresent, "CONNACK should report Session Present for the resumed session.");
        }
    }
}
