using MqttHealth.Broker.Tests.Infrastructure;
using MqttHealth.Mqtt.Client;
using MqttHealth.Mqtt.Protocol;
using static MqttHealth.Broker.Tests.Infrastructure.EngineClients;

namespace MqttHealth.Broker.Tests.Engine;

/// <summary>Graceful shutdown: clients are told (5.0) and closed.</summary>
public class ShutdownTests
{
    [Fact]
    public async Task Shutdown_V5Clients_Disconnect0x8BThenClosed()
    {
        var broker = InProcessBroker.Start();
        await using var raw = await RawMqttConnection.ConnectedAsync(broker.Port, RawMqttConnection.Connect(NewClientId()));
        await using var client = await ConnectAsync(broker);

        await broker.DisposeAsync();

        // 5.0 §3.14.2.1: DISCONNECT 0x8B Server shutting down, then the connection is closed.
        await raw.ExpectDisconnectAndCloseAsync(ReasonCode.ServerShuttingDown);
        var reason = await client.Disconnection.WaitAsync(WaitLimit);
        Assert.Equal((MqttClientErrorKind.ServerDisconnected, (ReasonCode?)ReasonCode.ServerShuttingDown), (reason.Kind, reason.ReasonCode));
    }

    [Fact]
    public async Task Shutdown_V311Client_ClosedWithoutDisconnect()
    {
        var broker = InProcessBroker.Start();
        await using var raw = await RawMqttConnection.ConnectedAsync(broker.Port, RawMqttConnection.Connect(NewClientId(), MqttProtocolVersion.V311));

        await broker.DisposeAsync();

        Assert.Empty(await raw.ExpectClosedAsync());
    }

    [Fact]
    public async Task Shutdown_Begun_NewConnectionClosedWithoutConnAck()
    {
        await using var broker = InProcessBroker.Start();
        broker.Broker.BeginShutdown();
        await using var raw = await RawMqttConnection.OpenAsync(broker.Port);

        try
        {
            await raw.SendAsync(RawMqttConnection.Connect(NewClientId()));
        }
        catch (IOException)
        {
            // Already closed by the broker: that is the expected outcome too.
        }

        Assert.Empty(await raw.ExpectClosedAsync());
        Assert.False(broker.Broker.IsRunning);
    }
}
