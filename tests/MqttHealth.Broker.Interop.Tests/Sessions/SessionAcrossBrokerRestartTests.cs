using MqttHealth.Broker.Interop.Tests.Infrastructure;
using MqttHealth.Broker.Testing;
using MqttHealth.Mqtt.Protocol;

namespace MqttHealth.Broker.Interop.Tests.Sessions;

/// <summary>
/// A persistent session and the QoS 1 messages queued for it survive a broker restart, both a graceful one
/// (SIGTERM) and a crash (SIGKILL after the messages were acknowledged): the broker stores what it
/// acknowledged. mosquitto_pub/sub on both ends; each test runs its own broker on SQLite.
/// </summary>
public sealed class SessionAcrossBrokerRestartTests
{
    public static TheoryData<MqttProtocolVersion, bool> Cases => new()
    {
        { MqttProtocolVersion.V311, false },
        { MqttProtocolVersion.V311, true },
        { MqttProtocolVersion.V500, false },
        { MqttProtocolVersion.V500, true },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task PersistentSession_BrokerRestartedWhileOffline_QueuedMessagesDelivered(MqttProtocolVersion version, bool crash)
    {
        IInteropClient client = InteropClients.Get(InteropClients.Mosquitto);
        await using BrokerProcess broker = await BrokerProcess.StartAsync();
        string topic = TestNames.Topic("restart");
        string[] payloads = ["kept-1", "kept-2", "kept-3"];
        var session = new ClientConnection(version, TestNames.ClientId("per"), CleanStart: false, SessionExpirySeconds: 3600);

        await using (InteropSubscriber first = await client.StartSubscriberAsync(
            broker,
            new SubscribeRequest(session, [topic], QoS: 1, ExpectedCount: 0, ExitAfterSubscribe: true)))
        {
            await first.CompleteAsync(InteropTimeouts.Test);
        }

        await using ClientProcess publisher = await client.PublishAsync(
            broker,
            new PublishRequest(new ClientConnection(version, TestNames.ClientId("pub")), topic, payloads, QoS: 1));

        if (crash)
        {
            broker.Kill();
        }
        else
        {
            int exitCode = await broker.StopAsync();
            Assert.True(exitCode == 0, $"Graceful shutdown should exit 0, was {exitCode}.{Environment.NewLine}{broker.Output}");
        }

        await broker.RestartAsync();

        await using InteropSubscriber resumed = await client.StartSubscriberAsync(
            broker,
            new SubscribeRequest(session, [topic], QoS: 1, ExpectedCount: payloads.Length, Subscribe: false));
        IReadOnlyList<ReceivedMessage> received = await resumed.CompleteAsync(InteropTimeouts.Test);
        Assert.Equal(payloads.Select(p => new ReceivedMessage(topic, p, QoS: 1, Retain: false)), received);
    }
}
