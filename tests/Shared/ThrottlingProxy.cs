using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace MqttHealth.Broker.Testing;

/// <summary>
/// A loopback TCP proxy that carries each direction at most <c>bytesPerSecond</c> (a token bucket refilled with the
/// clock, at most one tenth of a second of burst): a slow link (e.g. 9.6 kbit/s = 1,200 bytes/s) in user space, since
/// netem is not available. It reads from a side only as fast as it forwards, so TCP flow control pushes back to the
/// sender as a real slow link would. It counts the bytes forwarded each way.
/// </summary>
public sealed class ThrottlingProxy : IAsyncDisposable
{
    private const int Chunk = 64;
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly int _upstreamPort;
    private readonly double _bytesPerSecond;
    private readonly CancellationTokenSource _cts = new();
    private readonly List<Socket> _sockets = [];
    private readonly Lock _sync = new();
    private readonly Task _acceptLoop;
    private long _upstreamBytes;
    private long _downstreamBytes;

    public ThrottlingProxy(int upstreamPort, double bytesPerSecond)
    {
        _upstreamPort = upstreamPort;
        _bytesPerSecond = bytesPerSecond;
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _acceptLoop = AcceptLoopAsync();
    }

    public int Port { get; }

    /// <summary>Bytes forwarded from clients to the upstream server.</summary>
    public long UpstreamBytes => Interlocked.Read(ref _upstreamBytes);

    /// <summary>Bytes forwarded from the upstream server to clients.</summary>
    public long DownstreamBytes => Interlocked.Read(ref _downstreamBytes);

    public async ValueTask DisposeAsync()
    {
        await _cts.CancelAsync().ConfigureAwait(false);
        _listener.Stop();
        lock (_sync)
        {
            foreach (Socket socket in _sockets)
            {
                socket.Dispose();
            }
        }

        try
        {
            await _acceptLoop.ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }

        _cts.Dispose();
        _listener.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        while (!_cts.IsCancellationRequested)
        {
            Socket client = await _listener.AcceptSocketAsync(_cts.Token).ConfigureAwait(false);
            var upstream = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            client.NoDelay = true;
            try
            {
                await upstream.ConnectAsync(IPAddress.Loopback, _upstreamPort, _cts.Token).ConfigureAwait(false);
            }
            catch (SocketException)
            {
                client.Dispose();
                upstream.Dispose();
                continue;
            }

            lock (_sync)
            {
                _sockets.Add(client);
                _sockets.Add(upstream);
            }

            _ = PumpPairAsync(client, upstream);
        }
    }

    private async Task PumpPairAsync(Socket client, Socket upstream)
    {
        await Task.WhenAny(PumpAsync(client, upstream, up: true), PumpAsync(upstream, client, up: false)).ConfigureAwait(false);
        client.Dispose();
        upstream.Dispose();
    }

    private async Task PumpAsync(Socket from, Socket to, bool up)
    {
        byte[] buffer = new byte[Chunk];
        double tokens = 0;
        long last = Stopwatch.GetTimestamp();
        try
        {
            while (true)
            {
                int read = await from.ReceiveAsync(buffer, SocketFlags.None, _cts.Token).ConfigureAwait(false);
                if (read == 0)
                {
                    return;
                }

                while (true)
                {
                    long now = Stopwatch.GetTimestamp();
                    tokens = Math.Min(_bytesPerSecond / 10, tokens + (Stopwatch.GetElapsedTime(last, now).TotalSeconds * _bytesPerSecond));
                    last = now;
                    if (tokens >= read)
                    {
                        break;
                    }

                    await Task.Delay(TimeSpan.FromSeconds((read - tokens) / _bytesPerSecond), _cts.Token).ConfigureAwait(false);
                }

                tokens -= read;
                await to.SendAsync(buffer.AsMemory(0, read), SocketFlags.None, _cts.Token).ConfigureAwait(false);
                Interlocked.Add(ref up ? ref _upstreamBytes : ref _downstreamBytes, read);
            }
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // either side closed, or the proxy is disposed
        }
    }
}
