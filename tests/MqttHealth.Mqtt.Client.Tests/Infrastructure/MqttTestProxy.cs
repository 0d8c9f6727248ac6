using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using MqttHealth.Mqtt.Codec;

namespace MqttHealth.Mqtt.Client.Tests.Infrastructure;

/// <summary>
/// A loopback TCP proxy between an MQTT client and a broker that forwards whole MQTT packets and lets a test
/// see each one (<see cref="Packets"/>, <see cref="WaitForPacketAsync"/>), drop it, or cut the connection at
/// that point (<see cref="Filter"/>) — for instance after a PUBLISH went through but before its PUBACK comes
/// back — or replace it. Every accepted client connection gets its own upstream connection; <see cref="ProxiedPacket.Connection"/>
/// numbers them.
/// </summary>
public sealed class MqttTestProxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly int _upstreamPort;
    private readonly CancellationTokenSource _cts = new();
    private readonly Lock _sync = new();
    private readonly List<ProxiedPacket> _packets = [];
    private readonly List<(Func<ProxiedPacket, bool> Predicate, TaskCompletionSource<ProxiedPacket> Signal)> _waiters = [];
    private readonly List<Socket> _sockets = [];
    private readonly Task _acceptLoop;
    private int _connections;

    public MqttTestProxy(int upstreamPort)
    {
        _upstreamPort = upstreamPort;
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _acceptLoop = AcceptLoopAsync();
    }

    public int Port { get; }

    /// <summary>
    /// Decides for each packet, before it is forwarded; null forwards everything. Called on the proxy's pump
    /// for that direction, so packets of one direction are seen in order. Keep it short and thread-safe.
    /// </summary>
    public Func<ProxiedPacket, ProxyAction>? Filter { get; set; }

    public int ConnectionCount => Volatile.Read(ref _connections);

    /// <summary>Every packet seen so far, in the order the proxy handled them.</summary>
    public IReadOnlyList<ProxiedPacket> Packets
    {
        get
        {
            lock (_sync)
            {
                return [.. _packets];
            }
        }
    }

    /// <summary>Completes with the first packet (already seen or still to come) that matches.</summary>
    public Task<ProxiedPacket> WaitForPacketAsync(Func<ProxiedPacket, bool> predicate, TimeSpan timeout)
    {
        var signal = new TaskCompletionSource<ProxiedPacket>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_sync)
        {
            foreach (ProxiedPacket packet in _packets)
            {
                if (predicate(packet))
                {
                    return Task.FromResult(packet);
                }
            }

            _waiters.Add((predicate, signal));
        }

        return signal.Task.WaitAsync(timeout);
    }

    /// <summary>Closes every open connection, both sides.</summary>
    public void CutAll()
    {
        Socket[] sockets;
        lock (_sync)
        {
            sockets = [.. _sockets];
        }

        foreach (Socket socket in sockets)
        {
            Close(socket);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _cts.CancelAsync();
        _listener.Stop();
        CutAll();
        try
        {
            await _acceptLoop.WaitAsync(TimeSpan.FromSeconds(5));
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }

        _cts.Dispose();
    }

    private static void Close(Socket socket)
    {
        try
        {
            socket.LingerState = new LingerOption(true, 0);
            socket.Close();
        }
        catch (ObjectDisposedException)
        {
        }
    }

    private async Task AcceptLoopAsync()
    {
        try
        {
            while (!_cts.IsCancellationRequested)
            {
                Socket client = await _listener.AcceptSocketAsync(_cts.Token);
                client.NoDelay = true;
                var upstream = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                await upstream.ConnectAsync(IPAddress.Loopback, _upstreamPort, _cts.Token);
                int index = Interlocked.Increment(ref _connections) - 1;
                lock (_sync)
                {
                    _sockets.Add(client);
                    _sockets.Add(upstream);
                }

                _ = PumpAsync(client, upstream, ProxyDirection.ClientToServer, index);
                _ = PumpAsync(upstream, client, ProxyDirection.ServerToClient, index);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }
    }

    private async Task PumpAsync(Socket from, Socket to, ProxyDirection direction, int index)
    {
        var reader = PipeReader.Create(new NetworkStream(from, ownsSocket: false));
        try
        {
            while (true)
            {
                ReadResult result = await reader.ReadAsync(_cts.Token);
                ReadOnlySequence<byte> buffer = result.Buffer;
                while (true)
                {
                    ReadOnlySequence<byte> before = buffer;
                    if (!MqttFrameReader.TryReadFrame(ref buffer, int.MaxValue, out MqttFrame frame))
                    {
                        break;
                    }

                    var packet = new ProxiedPacket(direction, index, before.Slice(0, frame.PacketSize).ToArray());
                    packet.Action = Filter?.Invoke(packet) ?? ProxyAction.Forward;
                    if (packet.Action == ProxyAction.Cut)
                    {
                        Record(packet);
                        return;
                    }

                    if (packet.Action == ProxyAction.Forward)
                    {
                        await to.SendAsync(packet.Replacement ?? packet.Bytes, SocketFlags.None, _cts.Token);
                    }

                    Record(packet);
                }

                reader.AdvanceTo(buffer.Start, buffer.End);
                if (result.IsCompleted)
                {
                    return;
                }
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or IOException or ObjectDisposedException)
        {
        }
        finally
        {
            // One side ended: end the other too, as the network between them would.
            Close(from);
            Close(to);
            await reader.CompleteAsync();
        }
    }

    private void Record(ProxiedPacket packet)
    {
        List<TaskCompletionSource<ProxiedPacket>>? matched = null;
        lock (_sync)
        {
            _packets.Add(packet);
            for (int i = _waiters.Count - 1; i >= 0; i--)
            {
                if (_waiters[i].Predicate(packet))
                {
                    (matched ??= []).Add(_waiters[i].Signal);
                    _waiters.RemoveAt(i);
                }
            }
        }

        if (matched is not null)
        {
            foreach (TaskCompletionSource<ProxiedPacket> signal in matched)
            {
                signal.TrySetResult(packet);
            }
        }
    }
}
