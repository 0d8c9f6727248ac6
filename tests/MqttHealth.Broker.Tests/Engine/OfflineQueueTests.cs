using MqttHealth.Broker.Options;
using MqttHealth.Broker.Tests.Infrastructure;
using MqttHealth.Mqtt.Protocol;
using static MqttHealth.Broker.Tests.Infrastructure.EngineClients;

namespace MqttHealth.Broker.Tests.Engine;

/// <summary>The bounded queue of an offline persistent session and its overflow policy, which is counted, never silent.</summary>
public class OfflineQueueTests
{
    private static async Task<List<string>> OverflowAsync(InProcessBroker broker)
    {
        var topic = NewTopic();
        await using var subscriber = await OfflineSubscriberAsync(broker, topic, sessionExpiry: 600);
        await using var publisher = await ConnectAsync(broker);

        for (int i = 1; i <= 5; i++)
        {
            await publisher.PublishAsync(topic, Bytes("m" + i), QualityOfService.AtLeastOnce);
        }

        await subscriber.ConnectAsync().WaitAsync(WaitLimit);
        await publisher.PublishAsync(topic, Bytes("marker"), QualityOfService.AtLeastOnce);
        return [.. (await subscriber.ReadUntilAsync("marker")).Select(Text)];
    }

    [Fact]
    public async Task OfflineQueue_DropNewest_KeepsTheFirstMessagesAndCountsTheRest()
    {
        await using var broker = InProcessBroker.Start(o =>
        {
            o.MaxQueuedMessages = 3;
            o.QueueOverflow = QueueOverflowPolicy.DropNewest;
        });

        var delivered = await OverflowAsync(broker);

        Assert.Equal(["m1", "m2", "m3"], delivered);
        Assert.Equal(2, broker.Metrics.MessagesDropped);
    }

    [Fact]
    public async Task OfflineQueue_DropOldest_KeepsTheLastMessagesAndCountsTheRest()
    {
        await using var broker = InProcessBroker.Start(o =>
        {
            o.MaxQueuedMessages = 3;
            o.QueueOverflow = QueueOverflowPolicy.DropOldest;
        });

        var delivered = await OverflowAsync(broker);

        Assert.Equal(["m3", "m4", "m5"], delivered);
        Assert.Equal(2, broker.Metrics.MessagesDropped);
    }

    [Fact]
    public async Task OfflineQueue_WithinTheBound_NothingDropped()
    {
        await using var broker = InProcessBroker.Start(o => o.MaxQueuedMessages = 5);

        var delivered = await OverflowAsync(broker);

        Assert.Equal(["m1", "m2", "m3", "m4", "m5"], delivered);
        Assert.Equal(0, broker.Metrics.MessagesDropped);
    }

    [Fact]
    public async Task OfflineQueue_Qos0ForOfflineSession_NotQueued()
    {
        await using var broker = InProcessBroker.Start();
        var topic = NewTopic();
        await using var subscriber = await OfflineSubscriberAsync(broker, topic, sessionExpiry: 600);
        await using var publisher = await ConnectAsync(broker);

        await publisher.PublishAsync(topic, Bytes("qos0"), QualityOfService.AtMostOnce);
        await publisher.PublishAsync(topic, Bytes("qos1"), QualityOfService.AtLeastOnce);
        await subscriber.ConnectAsync().WaitAsync(WaitLimit);

        // Documented choice (5.0 §3.1.2.4 makes queuing QoS 0 optional): only QoS 1/2 wait for a session.
        Assert.Equal("qos1", Text(await subscriber.ReadAsync()));
    }
}
