using System.Globalization;
using MqttHealth.Broker.Interop.Tests.Infrastructure;
using MqttHealth.Mqtt.Protocol;

namespace MqttHealth.Broker.Interop.Tests.SharedSubscriptions;

/// <summary>
/// Shared subscriptions (MQTT 5.0 section 4.8.2): two subscribers of $share/{group}/{topic} share the
/// messages: each message goes to exactly one of them, none is lost, none duplicated, and both get some.
/// 3.1.1 has no shared subscriptions of its own; the broker accepts the same $share filters from 3.1.1
/// clients (as Mosquitto does), so both versions are covered.
/// </summary>
public sealed class SharedSubscriptionTests(BrokerFixture fixture) : IClassFixture<BrokerFixture>
{
    private const int MessageCount = 30;

    public static TheoryData<string, MqttProtocolVersion> Cases => InteropClients.WithVersions();

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task SharedSubscription_TwoSubscribers_EachMessageDeliveredToExactlyOne(string clientName, MqttProtocolVersion version)
    {
        IInteropClient client = InteropClients.Get(clientName);
        string topic = TestNames.Topic("shared");
        string filter = $"$share/g{Guid.NewGuid():N}/{topic}";
        string[] payloads = Enumerable.Range(1, MessageCount).Select(i => "m" + i.ToString("D2", CultureInfo.InvariantCulture)).ToArray();

        // Both run until killed (ExpectedCount 0): neither knows its share in advance.
        await using InteropSubscriber first = await client.StartSubscriberAsync(
            fixture.Broker,
            new SubscribeRequest(new ClientConnection(version, TestNames.ClientId("sha")), [filter], QoS: 1, ExpectedCount: 0));
        await using InteropSubscriber second = await client.StartSubscriberAsync(
            fixture.Broker,
            new SubscribeRequest(new ClientConnection(version, TestNames.ClientId("shb")), [filter], QoS: 1, ExpectedCount: 0));
        var all = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        int total = 0;
        void OnMessage(ReceivedMessage message)
        {
            if (Interlocked.Increment(ref total) >= MessageCount)
            {
                all.TrySetResult();
            }
        }

        first.MessageArrived += OnMessage;
        second.MessageArrived += OnMessage;

        await using ClientProcess publisher = await client.PublishAsync(
            fixture.Broker,
            new PublishRequest(new ClientConnection(version, TestNames.ClientId("pub")), topic, payloads, QoS: 1));
        try
        {
            await all.Task.WaitAsync(InteropTimeouts.Test);
        }
        catch (TimeoutException ex)
        {
            throw new TimeoutException(
                $"Only {Volatile.Read(ref total)} of {MessageCount} shared messages arrived.{Environment.NewLine}{first.Describe()}{Environment.NewLine}{second.Describe()}", ex);
        }

        IReadOnlyList<ReceivedMessage> firstShare = first.Kill();
        IReadOnlyList<ReceivedMessage> secondShare = second.Kill();

        // Sorted union equal to the published set: nothing lost and nothing delivered twice.
        Assert.Equal(payloads, firstShare.Concat(secondShare).Select(m => m.Payload).Order(StringComparer.Ordinal));
        Assert.All(firstShare.Concat(secondShare), m => Assert.Equal(topic, m.Topic));
        Assert.True(firstShare.Count > 0 && secondShare.Count > 0, $"Both subscribers should get a share: {firstShare.Count} and {secondShare.Count}.");
    }
}
