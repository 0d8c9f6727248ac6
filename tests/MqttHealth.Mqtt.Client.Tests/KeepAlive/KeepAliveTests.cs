using MqttHealth.Mqtt.Client.Tests.Infrastructure;
using MqttHealth.Mqtt.Protocol;

namespace MqttHealth.Mqtt.Client.Tests.KeepAlive;

public sealed class KeepAliveTests : IClassFixture<MosquittoFixture>
{
    private readonly MosquittoFixture _mosquitto;

    public KeepAliveTests(MosquittoFixture mosquitto) => _mosquitto = mosquitto;

    [Theory]
    [InlineData(MqttProtocolVersion.V311)]
    [InlineData(MqttProtocolVersion.V500)]
    public async Task KeepAlive_Idle_SendsPingReqAndStaysConnected(MqttProtocolVersion version)
    {
        await using var proxy = new MqttTestProxy(_mosquitto.Port);
        var pings = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        int pingResponses = 0;
        proxy.Filter = p =>
        {
            if (p.Type == MqttPacketType.PingResp && Interlocked.Increment(ref pingResponses) == 2)
            {
                pings.TrySetResult();
            }

            return ProxyAction.Forward;
        };
        MqttClientOptions options = TestClients.Options(proxy.Port, version);
        // 2 s, not 1: Mosquitto drops a client silent for 1.5 x keep alive, and on a loaded CI machine a 1 s timer can
        // fire more than half a second late.
        options.KeepAliveSeconds = 2;
        await using MqttClient client = await TestClients.ConnectAsync(options);

        await pings.Task.WaitAsync(TestClients.Timeout);

        Assert.True(client.IsConnected);
        Assert.False(client.Disconnection.IsCompleted);
        Assert.True(proxy.Packets.Count(p => p.Type == MqttPacketType.PingReq) >= 2);
        await client.PublishAsync(TestClients.NewTopic(), TestClients.Bytes("still here"), QualityOfService.AtLeastOnce);
    }

    [Fact]
    public async Task KeepAlive_NoPingResp_ConnectionIsLost()
    {
        await using var proxy = new MqttTestProxy(_mosquitto.Port);
        proxy.Filter = p => p.Type == MqttPacketType.PingResp ? ProxyAction.Drop : ProxyAction.Forward;
        MqttClientOptions options = TestClients.Options(proxy.Port);
        options.KeepAliveSeconds = 1;
        await using MqttClient client = await TestClients.ConnectAsync(options);

        MqttClientDisconnectedEventArgs info = await client.Disconnection.WaitAsync(TestClients.Timeout);

        Assert.Equal(MqttClientErrorKind.ConnectionLost, info.Kind);
        Assert.Contains("Keep alive", info.Message, StringComparison.Ordinal);
        Assert.False(client.IsConnected);
        Assert.Contains(proxy.Packets, p => p.Type == MqttPacketType.PingReq);
    }

    [Fact]
    public async Task KeepAlive_StreamOfQoS0Publishes_StillPingsWhenNothingIsReceived()
    {
        // Sending keeps the server's side alive, but only a received packet proves the server is alive to us.
        await using var proxy = new MqttTestProxy(_mosquitto.Port);
        var ping = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        proxy.Filter = p =>
        {
            if (p.Type == MqttPacketType.PingReq)
            {
                ping.TrySetResult();
            }

            return ProxyAction.Forward;
        };
        MqttClientOptions options = TestClients.Options(proxy.Port);
        options.KeepAliveSeconds = 1;
        await using MqttClient client = await TestClients.ConnectAsync(options);
        string topic = TestClients.NewTopic();

        // Never send-idle for a whole second: without the receive-side rule no PINGREQ would ever go out.
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (!ping.Task.IsCompleted && clock.Elapsed < TimeSpan.FromSeconds(5))
        {
            await client.PublishAsync(topic, TestClients.Bytes("x"));

            // Paces the load (about 100 messages a second); nothing waits on an outcome here.
            await Task.Delay(10);
        }

        Assert.True(ping.Task.IsCompleted, "No PINGREQ although nothing was received for more than the keep alive.");
        Assert.True(client.IsConnected);
    }
}
