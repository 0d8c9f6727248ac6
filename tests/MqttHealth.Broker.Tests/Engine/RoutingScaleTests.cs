using MqttHealth.Broker.Tests.Infrastructure;
using MqttHealth.Mqtt.Packets;
using MqttHealth.Mqtt.Protocol;
using static MqttHealth.Broker.Tests.Infrastructure.EngineClients;

namespace MqttHealth.Broker.Tests.Engine;

/// <summary>
/// Routing with many idle sessions in the index: functional only (timings belong to bench/). The 10,000
/// sessions are persistent and disconnected, so they stay in the subscription index without holding 20,000
/// sockets in one process.
/// </summary>
[Collection(IsolatedCollection.Name)]
public class RoutingScaleTests
{
    private const int IdleSessions = 10_000;

    [Fact]
    public async Task Routing_TenThousandIdleSessions_PublishReachesOnlyItsSubscribers()
    {
        await using var broker = InProcessBroker.Start();
        var run = Guid.NewGuid().ToString("N")[..8];

        // 16 workers, each creating its share of sessions one after another (bounded: IdleSessions in total).
        const int workers = 16;
        await Task.WhenAll(Enumerable.Range(0, workers).Select(w => Task.Run(async () =>
        {
            for (int i = w; i < IdleSessions; i += workers)
            {
                await using var raw = await RawMqttConnection.ConnectedAsync(broker.Port, RawMqttConnection.Connect($"idle-{run}-{i}", cleanStart: false, sessionExpiry: 86_400));
                var filter = (i % 3) switch
                {
                    0 => $"idle/{run}/{i}/status",
                    1 => $"idle/{run}/{i}/+/vitals",
                    _ => $"idle/{run}/{i}/#",
                };
                await raw.SubscribeAsync(filter, QualityOfService.AtLeastOnce);
                await raw.SendAsync(new DisconnectPacket());
                await raw.ExpectClosedAsync();
            }
        })));
        await Eventually.ClientsConnectedAsync(broker, 0);
        Assert.Equal(IdleSessions, broker.Metrics.Sessions);

        var topic = NewTopic();
        await using var subscriber = await SubscriberAsync(broker, topic);
        await using var publisher = await ConnectAsync(broker);

        var live = await publisher.PublishAsync(topic, Bytes("arrives"), QualityOfService.AtLeastOnce);
        Assert.Equal(ReasonCode.Success, live.ReasonCode);
        Assert.Equal("arrives", Text(await subscriber.ReadAsync()));

        // Exactly one idle session of the 10,000 matches each of these; its message is queued for it.
        await Eventually.UntilAsync(() => broker.Metrics.MessagesQueued == 0, "the live message acknowledged");
        Assert.Equal(ReasonCode.Success, (await publisher.PublishAsync($"idle/{run}/4998/status", Bytes("a"), QualityOfService.AtLeastOnce)).ReasonCode);
        Assert.Equal(ReasonCode.Success, (await publisher.PublishAsync($"idle/{run}/4999/bed-3/vitals", Bytes("b"), QualityOfService.AtLeastOnce)).ReasonCode);
        Assert.Equal(ReasonCode.Success, (await publisher.PublishAsync($"idle/{run}/5000/a/b/c", Bytes("c"), QualityOfService.AtLeastOnce)).ReasonCode);
        Assert.Equal(3, broker.Metrics.MessagesQueued);
        Assert.Equal(ReasonCode.NoMatchingSubscribers, (await publisher.PublishAsync($"idle/{run}/4998/other", Bytes("d"), QualityOfService.AtLeastOnce)).ReasonCode);

        // And the queued message is there for that session when it comes back.
        await using var back = await RawMqttConnection.ConnectedAsync(broker.Port, RawMqttConnection.Connect($"idle-{run}-4999", cleanStart: false, sessionExpiry: 86_400));
        Assert.True(back.LastConnAck!.SessionPresent);
        var resumed = await back.ExpectPublishAsync();
        Assert.Equal(($"idle/{run}/4999/bed-3/vitals", "b"), (resumed.Topic, Text(resumed.Payload)));
    }
}
