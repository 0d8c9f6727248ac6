using System.Buffers.Binary;
using System.Collections.Concurrent;
using MqttHealth.Broker.Testing;
using MqttHealth.Mqtt.Client;
using MqttHealth.Mqtt.Protocol;
using Xunit.Abstractions;

namespace MqttHealth.Broker.Tests.Durability;

/// <summary>
/// The crash test: a publisher sends 10,000 numbered QoS 1 and 10,000 numbered QoS 2 messages to a
/// persistent-session subscriber while the real broker process is killed with SIGKILL three times and
/// restarted on the same SQLite database. Every message the broker acknowledged must arrive; every QoS 2
/// message exactly once.
/// </summary>
/// <remarks>
/// The kills land while messages are in flight in both directions: the publisher keeps a window of
/// unacknowledged messages open and the subscriber's acknowledgements race the kill. After each restart
/// both clients resume their sessions (Session Present = 1 is asserted) and the client resends what was
/// unacknowledged, with DUP. No sleeps: the test waits on acknowledgement counts and on the broker's
/// readiness, each with a timeout.
/// </remarks>
public sealed class CrashRecoveryTests(ITestOutputHelper output)
{
    private const int MessagesPerQoS = 10_000;
    private const int Window = 200;
    private static readonly TimeSpan StepTimeout = TimeSpan.FromSeconds(120);

    [Fact]
    public async Task Broker_KilledThreeTimesDuringQos1AndQos2Traffic_DeliversEveryAcknowledgedMessageAndQos2ExactlyOnce()
    {
        await using var broker = await BrokerProcess.StartAsync();
        string run = Guid.NewGuid().ToString("N")[..8];
        string topic1 = $"crash/{run}/qos1";
        string topic2 = $"crash/{run}/qos2";

        await using var subscriber = new MqttClient(Options(broker, "crash-sub-" + run));
        await subscriber.ConnectAsync().WaitAsync(StepTimeout);
        await subscriber.SubscribeAsync(topic1, QualityOfService.AtLeastOnce).WaitAsync(StepTimeout);
        await subscriber.SubscribeAsync(topic2, QualityOfService.ExactlyOnce).WaitAsync(StepTimeout);

        var received1 = new ConcurrentDictionary<int, int>();
        var received2 = new ConcurrentDictionary<int, int>();
        var receiving = Task.Run(async () =>
        {
            await foreach (var message in subscriber.ReceivedMessages.ReadAllAsync())
            {
                int number = BinaryPrimitives.ReadInt32BigEndian(message.Payload.Span);
                var counts = message.Topic == topic1 ? received1 : received2;
                counts.AddOrUpdate(number, 1, static (_, n) => n + 1);
            }
        });

        await using var publisher = new MqttClient(Options(broker, "crash-pub-" + run));
        await publisher.ConnectAsync().WaitAsync(StepTimeout);

        var acked1 = new ConcurrentDictionary<int, bool>();
        var acked2 = new ConcurrentDictionary<int, bool>();
        var connected = new ConnectionGate();
        var publishing = Task.Run(() => PublishAllAsync(publisher, topic1, topic2, acked1, acked2, connected));

        // Three kills at different points of the run, each while the window is full of unacknowledged work.
        int[] killAt = [MessagesPerQoS * 2 / 5, MessagesPerQoS, MessagesPerQoS * 8 / 5];
        foreach (int threshold in killAt)
        {
            await WaitUntilAsync(() => acked1.Count + acked2.Count >= threshold || publishing.IsCompleted, $"{threshold} acknowledgements");
            Assert.False(publishing.IsFaulted, publishing.Exception?.ToString());
            connected.Close();
            broker.Kill();
            output.WriteLine($"SIGKILL after {acked1.Count + acked2.Count} acknowledgements (received {received1.Count} QoS 1, {received2.Count} QoS 2)");
            await Task.WhenAll(subscriber.Disconnection, publisher.Disconnection).WaitAsync(StepTimeout);

            await broker.RestartAsync();
            var subResult = await subscriber.ConnectAsync().WaitAsync(StepTimeout);
            var pubResult = await publisher.ConnectAsync().WaitAsync(StepTimeout);
            Assert.True(subResult.SessionPresent, "the subscriber's persistent session survived the crash");
            Assert.True(pubResult.SessionPresent, "the publisher's persistent session survived the crash");
            connected.Open();
        }

        await publishing.WaitAsync(TimeSpan.FromMinutes(5));
        Assert.Equal(MessagesPerQoS, acked1.Count);
        Assert.Equal(MessagesPerQoS, acked2.Count);

        await WaitUntilAsync(() => received1.Count >= MessagesPerQoS && received2.Count >= MessagesPerQoS, "every acknowledged message at the subscriber");
        var missing1 = acked1.Keys.Where(n => !received1.ContainsKey(n)).Order().Take(10).ToArray();
        var missing2 = acked2.Keys.Where(n => !received2.ContainsKey(n)).Order().Take(10).ToArray();
        Assert.True(missing1.Length == 0, "QoS 1 acknowledged but never delivered: " + string.Join(", ", missing1));
        Assert.True(missing2.Length == 0, "QoS 2 acknowledged but never delivered: " + string.Join(", ", missing2));
        var duplicated2 = received2.Where(kv => kv.Value != 1).Select(kv => $"{kv.Key}x{kv.Value}").Take(10).ToArray();
        Assert.True(duplicated2.Length == 0, "QoS 2 delivered more than once: " + string.Join(", ", duplicated2));
        output.WriteLine($"QoS 1: {received1.Values.Sum()} deliveries of {received1.Count} messages (duplicates are allowed at QoS 1)");

        await publisher.DisconnectAsync();
        await subscriber.DisposeAsync(); // completes ReceivedMessages, which ends the receiving loop
        await receiving.WaitAsync(StepTimeout);
    }

    /// <summary>Clean Start 0 on every connect: the client ids are new for each run, so the first connect starts a session and later ones resume it.</summary>
    private static MqttClientOptions Options(BrokerProcess broker, string clientId) => new()
    {
        Host = "127.0.0.1",
        Port = broker.Ports.Mqtt,
        ClientId = clientId,
        CleanStart = false,
        SessionExpiryInterval = 3600,
        ConnectTimeout = TimeSpan.FromSeconds(10),
        ReceivedMessageCapacity = MessagesPerQoS * 4,
    };

    /// <summary>Publishes 0..9,999 on both topics with at most <see cref="Window"/> unacknowledged, waiting out each crash.</summary>
    private static async Task PublishAllAsync(
        MqttClient publisher,
        string topic1,
        string topic2,
        ConcurrentDictionary<int, bool> acked1,
        ConcurrentDictionary<int, bool> acked2,
        ConnectionGate connected)
    {
        using var window = new SemaphoreSlim(Window);
        var pending = new List<Task>();
        for (int i = 0; i < MessagesPerQoS; i++)
        {
            foreach (var (topic, qos, acked) in new[] { (topic1, QualityOfService.AtLeastOnce, acked1), (topic2, QualityOfService.ExactlyOnce, acked2) })
            {
                await window.WaitAsync(StepTimeout);
                byte[] payload = new byte[4];
                BinaryPrimitives.WriteInt32BigEndian(payload, i);
                int number = i;
                while (true)
                {
                    await connected.WaitOpenAsync(StepTimeout);
                    Task<MqttClientPublishResult> publish;
                    try
                    {
                        publish = publisher.PublishAsync(topic, payload, qos).AsTask();
                        if (publish.IsFaulted && publish.Exception!.InnerException is MqttClientException { Kind: MqttClientErrorKind.NotConnected })
                        {
                            // Never sent (no connection at the time): safe to send again once reconnected.
                            await connected.WaitClosedThenOpenAsync(StepTimeout);
                            continue;
                        }
                    }
                    catch (MqttClientException ex) when (ex.Kind == MqttClientErrorKind.NotConnected)
                    {
                        await connected.WaitClosedThenOpenAsync(StepTimeout);
                        continue;
                    }

                    pending.Add(AwaitAckAsync(publish, number, acked, window));
                    break;
                }
            }
        }

        await Task.WhenAll(pending);
    }

    /// <summary>Records the acknowledgement. A publish in flight during a crash stays pending in the client and completes after the resend.</summary>
    private static async Task AwaitAckAsync(Task<MqttClientPublishResult> publish, int number, ConcurrentDictionary<int, bool> acked, SemaphoreSlim window)
    {
        try
        {
            await publish;
            acked[number] = true;
        }
        finally
        {
            window.Release();
        }
    }

    private static async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + StepTimeout;
        using var tick = new PeriodicTimer(TimeSpan.FromMilliseconds(20));
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Timed out after {StepTimeout.TotalSeconds} s waiting for {what}.");
            }

            await tick.WaitForNextTickAsync();
        }
    }

    /// <summary>Open while both clients are connected; the publisher waits on it across a crash.</summary>
    private sealed class ConnectionGate
    {
        private readonly Lock _gate = new();
        private TaskCompletionSource _open = NewOpen(completed: true);

        public void Close()
        {
            lock (_gate)
            {
                if (_open.Task.IsCompleted)
                {
                    _open = NewOpen(completed: false);
                }
            }
        }

        public void Open()
        {
            lock (_gate)
            {
                _open.TrySetResult();
            }
        }

        public Task WaitOpenAsync(TimeSpan timeout)
        {
            lock (_gate)
            {
                return _open.Task.WaitAsync(timeout);
            }
        }

        /// <summary>The client said "not connected": the test is about to kill or has killed; wait for the next open.</summary>
        public async Task WaitClosedThenOpenAsync(TimeSpan timeout)
        {
            var deadline = DateTime.UtcNow + timeout;
            using var tick = new PeriodicTimer(TimeSpan.FromMilliseconds(5));
            while (true)
            {
                Task open;
                lock (_gate)
                {
                    open = _open.Task;
                }

                if (!open.IsCompleted)
                {
                    await open.WaitAsync(deadline - DateTime.UtcNow);
                    return;
                }

                if (DateTime.UtcNow > deadline)
                {
                    throw new TimeoutException("The client stayed disconnected although the test did not kill the broker.");
                }

                await tick.WaitForNextTickAsync();
            }
        }

        private static TaskCompletionSource NewOpen(bool completed)
        {
            var tcs = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            if (completed)
            {
                tcs.SetResult();
            }

            return tcs;
        }
    }
}
