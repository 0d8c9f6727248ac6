using MqttHealth.Broker.Testing;
using MqttHealth.Mqtt.Client.Tests.Infrastructure;
using MqttHealth.Mqtt.Protocol;

namespace MqttHealth.Mqtt.Client.Tests.Inflight;

/// <summary>
/// The outgoing inflight window (5.0 §4.9). A proxy counts PUBLISH packets from the client (when it receives them)
/// against acknowledgements from the server (before it passes them on), so its count can only under-estimate what
/// the client has outstanding: a count above the limit is a real violation.
/// </summary>
public sealed class InflightWindowTests
{
    [Theory]
    [InlineData(QualityOfService.AtLeastOnce)]
    [InlineData(QualityOfService.ExactlyOnce)]
    public async Task Publish_V5ManyConcurrent_NeverExceedsServerReceiveMaximum(QualityOfService qos)
    {
        await using MosquittoBroker broker = await MosquittoBroker.StartAsync("max_inflight_messages 3");
        await using var proxy = new MqttTestProxy(broker.Port);
        var counter = new OutstandingCounter(qos);
        proxy.Filter = counter.Observe;
        await using MqttClient client = await TestClients.ConnectAsync(TestClients.Options(proxy.Port));
        Assert.Equal((ushort)3, client.LastConnectResult!.ReceiveMaximum);

        var sends = new List<Task<MqttClientPublishResult>>();
        int maxObservedByClient = 0;
        for (int i = 0; i < 100; i++)
        {
            sends.Add(client.PublishAsync(TestClients.NewTopic(), TestClients.Bytes("m"), qos).AsTask());
            maxObservedByClient = Math.Max(maxObservedByClient, client.InflightCount);
        }

        await Task.WhenAll(sends).WaitAsync(TestClients.Timeout);

        Assert.InRange(counter.Maximum, 2, 3);
        Assert.InRange(maxObservedByClient, 1, 3);
        Assert.Equal(100, counter.Published);
        Assert.Equal(0, client.InflightCount);
    }

    [Fact]
    public async Task Publish_V311MaximumInflight_LimitsWindow()
    {
        await using MosquittoBroker broker = await MosquittoBroker.StartAsync();
        await using var proxy = new MqttTestProxy(broker.Port);
        var counter = new OutstandingCounter(QualityOfService.AtLeastOnce);
        proxy.Filter = counter.Observe;
        MqttClientOptions options = TestClients.Options(proxy.Port, MqttProtocolVersion.V311);
        options.MaximumInflight = 2;
        await using MqttClient client = await TestClients.ConnectAsync(options);

        var sends = new List<Task<MqttClientPublishResult>>();
        for (int i = 0; i < 60; i++)
        {
            sends.Add(client.PublishAsync(TestClients.NewTopic(), TestClients.Bytes("m"), QualityOfService.AtLeastOnce).AsTask());
        }

        await Task.WhenAll(sends).WaitAsync(TestClients.Timeout);

        Assert.Equal(2, counter.Maximum);
        Assert.Equal(60, counter.Published);
    }

    [Fact]
    public async Task Publish_WindowFull_WaitsForASlotAndCancellationFreesNothing()
    {
        await using MosquittoBroker broker = await MosquittoBroker.StartAsync("max_inflight_messages 2");
        await using var proxy = new MqttTestProxy(broker.Port);

        // The PUBACKs never come back: the window stays full.
        proxy.Filter = p => p.Type == MqttPacketType.PubAck ? ProxyAction.Drop : ProxyAction.Forward;
        await using MqttClient client = await TestClients.ConnectAsync(TestClients.Options(proxy.Port));
        string topic = TestClients.NewTopic();
        Task<MqttClientPublishResult> first = client.PublishAsync(topic, TestClients.Bytes("1"), QualityOfService.AtLeastOnce).AsTask();
        Task<MqttClientPublishResult> second = client.PublishAsync(topic, TestClients.Bytes("2"), QualityOfService.AtLeastOnce).AsTask();
        await proxy.WaitForPacketAsync(p => p.Type == MqttPacketType.PubAck && p.AckPacketId == 2, TestClients.Timeout);

        using var cancel = new CancellationTokenSource();
        Task<MqttClientPublishResult> third = client.PublishAsync(topic, TestClients.Bytes("3"), QualityOfService.AtLeastOnce, cancellationToken: cancel.Token).AsTask();
        Assert.False(third.IsCompleted);
        Assert.Equal(2, client.InflightCount);
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => third.WaitAsync(TestClients.Timeout));

        // Writes are ordered: once a later QoS 0 message is through, the cancelled one can no longer have been sent.
        Task<MqttClientPublishResult> fourth = client.PublishAsync(topic, TestClients.Bytes("4"), QualityOfService.AtLeastOnce).AsTask();
        await client.PublishAsync(topic, TestClients.Bytes("barrier"), QualityOfService.AtMostOnce);
        await proxy.WaitForPacketAsync(p => p.Type == MqttPacketType.Publish && p.Flags == 0, TestClients.Timeout);
        Assert.Equal(2, proxy.Packets.Count(p => p.Type == MqttPacketType.Publish && p.Flags != 0));
        Assert.False(fourth.IsCompleted);

        // Not resumable (no session expiry): disconnecting fails what is pending.
        await client.DisconnectAsync();
        foreach (Task<MqttClientPublishResult> pending in new[] { first, second, fourth })
        {
            var error = await Assert.ThrowsAsync<MqttClientException>(() => pending.WaitAsync(TestClients.Timeout));
            Assert.Equal(MqttClientErrorKind.ClientDisconnected, error.Kind);
        }
    }

    /// <summary>Counts PUBLISH packets from the client against PUBACK/PUBCOMP (and failed PUBREC) from the server.</summary>
    private sealed class OutstandingCounter
    {
        private readonly QualityOfService _qos;
        private int _outstanding;
        private int _maximum;
        private int _published;

        public OutstandingCounter(QualityOfService qos) => _qos = qos;

        public int Maximum => Volatile.Read(ref _maximum);

        public int Published => Volatile.Read(ref _published);

        public ProxyAction Observe(ProxiedPacket packet)
        {
            if (packet.Direction == ProxyDirection.ClientToServer && packet.Type == MqttPacketType.Publish)
            {
                Interlocked.Increment(ref _published);
                int now = Interlocked.Increment(ref _outstanding);
                int seen;
                while (now > (seen = Volatile.Read(ref _maximum)) && Interlocked.CompareExchange(ref _maximum, now, seen) != seen)
                {
                }
            }
            else if (packet.Direction == ProxyDirection.ServerToClient
                && packet.Type == (_qos == QualityOfService.AtLeastOnce ? MqttPacketType.PubAck : MqttPacketType.PubComp))
            {
                Interlocked.Decrement(ref _outstanding);
            }

            return ProxyAction.Forward;
        }
    }
}
