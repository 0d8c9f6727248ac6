using System.Diagnostics;
using MqttHealth.Broker.Tests.Infrastructure;
using MqttHealth.Mqtt.Packets;
using MqttHealth.Mqtt.Protocol;
using static MqttHealth.Broker.Tests.Infrastructure.EngineClients;

namespace MqttHealth.Broker.Tests.Engine;

/// <summary>Keep alive: 1.5 times the interval without a packet ends the connection [MQTT-3.1.2-22]; PINGREQ keeps it.</summary>
public class KeepAliveTests
{
    [Fact]
    public async Task KeepAlive_SilentForOneAndAHalfIntervals_Disconnect0x8DAndClosed()
    {
        await using var broker = InProcessBroker.Start();
        await using var raw = await RawMqttConnection.OpenAsync(broker.Port);
        var clock = Stopwatch.StartNew();
        await raw.ConnectAsync(RawMqttConnection.Connect(NewClientId(), keepAlive: 1));

        await raw.ExpectDisconnectAndCloseAsync(ReasonCode.KeepAliveTimeout);

        // Not before 1.5 s (a little slack for the tick clock's resolution).
        Assert.True(clock.Elapsed >= TimeSpan.FromMilliseconds(1450), $"closed after {clock.Elapsed.TotalMilliseconds} ms");
    }

    [Fact]
    public async Task KeepAlive_V311Silent_ClosedWithoutDisconnect()
    {
        await using var broker = InProcessBroker.Start();
        await using var raw = await RawMqttConnection.ConnectedAsync(broker.Port, RawMqttConnection.Connect(NewClientId(), MqttProtocolVersion.V311, keepAlive: 1));

        Assert.Empty(await raw.ExpectClosedAsync());
    }

    [Fact]
    public async Task KeepAlive_PingReqEveryFewHundredMs_ConnectionStaysOpen()
    {
        await using var broker = InProcessBroker.Start();
        await using var raw = await RawMqttConnection.ConnectedAsync(broker.Port, RawMqttConnection.Connect(NewClientId(), keepAlive: 1));
        var clock = Stopwatch.StartNew();

        // Pacing, not waiting for a result: PINGREQs 400 ms apart for well over 1.5 keep-alive intervals.
        for (int i = 0; i < 8; i++)
        {
            await Task.Delay(400);
            await raw.SendAsync(PingReqPacket.Instance);
            await raw.ExpectAsync<PingRespPacket>();
        }

        Assert.True(clock.Elapsed > TimeSpan.FromSeconds(3));
        var suback = await raw.SubscribeAsync(NewTopic(), QualityOfService.AtMostOnce);
        Assert.Equal(ReasonCode.GrantedQoS0, Assert.Single(suback.ReasonCodes));
    }

    [Fact]
    public async Task ServerKeepAlive_Configured_OverridesClientAndIsEnforced()
    {
        await using var broker = InProcessBroker.Start(o => o.ServerKeepAlive = 1);
        await using var raw = await RawMqttConnection.OpenAsync(broker.Port);

        // The client asks for no keep alive at all; the server's 1 s applies [MQTT-3.2.2-21].
        var connack = await raw.ConnectAsync(RawMqttConnection.Connect(NewClientId(), keepAlive: 0));

        Assert.Equal((ushort)1, connack.Properties?.ServerKeepAlive);
        await raw.ExpectDisconnectAndCloseAsync(ReasonCode.KeepAliveTimeout);
    }

    [Fact]
    public async Task KeepAlive_Zero_NotEnforced()
    {
        await using var broker = InProcessBroker.Start();
        await using var raw = await RawMqttConnection.ConnectedAsync(broker.Port, RawMqttConnection.Connect(NewClientId(), keepAlive: 0));
        await using var control = await RawMqttConnection.ConnectedAsync(broker.Port, RawMqttConnection.Connect(NewClientId(), keepAlive: 1));

        // The control connection with keep alive 1 s is closed; by then the silent keep-alive-0 one has been
        // idle for as long, and is still open.
        await control.ExpectDisconnectAndCloseAsync(ReasonCode.KeepAliveTimeout);
        await raw.SendAsync(PingReqPacket.Instance);
        await raw.ExpectAsync<PingRespPacket>();
    }
}
