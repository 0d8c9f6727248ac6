using System.Net;
using System.Net.Sockets;

namespace MqttHealth.Mqtt.Client.Tests.Infrastructure;

/// <summary>
/// A fake MQTT server on loopback that a test drives packet by packet: for behaviour Mosquitto will not produce
/// (server-assigned topic aliases, a duplicate QoS 2 PUBLISH, too many unacknowledged messages, malformed
/// packets, enhanced authentication).
/// </summary>
public sealed class ScriptedMqttServer : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly List<ScriptedConnection> _connections = [];

    public ScriptedMqttServer()
    {
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
    }

    public int Port { get; }

    public async Task<ScriptedConnection> AcceptAsync(TimeSpan timeout)
    {
        Socket socket = await _listener.AcceptSocketAsync().WaitAsync(timeout);
        socket.NoDelay = true;
        var connection = new ScriptedConnection(socket);
        _connections.Add(connection);
        return connection;
    }

    public async ValueTask DisposeAsync()
    {
        _listener.Stop();
        foreach (ScriptedConnection connection in _connections)
        {
            await connection.DisposeAsync();
        }
    }
}
