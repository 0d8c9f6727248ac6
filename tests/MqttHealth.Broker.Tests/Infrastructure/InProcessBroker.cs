using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging.Abstractions;
using MqttHealth.Broker.Audit;
using MqttHealth.Broker.Engine;
using MqttHealth.Broker.Observability;
using MqttHealth.Broker.Options;
using MqttHealth.Broker.Security.Authentication;
using MqttHealth.Broker.Security.Authorization;
using MqttHealth.Broker.Storage;

namespace MqttHealth.Broker.Tests.Infrastructure;

/// <summary>
/// The broker engine on a real loopback TCP listener, in the test process: the same MqttBroker the
/// hosted broker runs, without Kestrel (whose listeners have their own tests). Fast enough to start one
/// per test; tests that need the real process (SIGKILL, TLS, WebSocket) use BrokerProcess instead.
/// </summary>
public sealed class InProcessBroker : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _connections = [];
    private readonly Task _acceptLoop;
    private readonly TransportSecurity? _security;

    private InProcessBroker(MqttBroker broker, BrokerMetrics metrics, BrokerOptions options, TcpListener listener, TransportSecurity? security)
    {
        Broker = broker;
        Metrics = metrics;
        Options = options;
        _listener = listener;
        _security = security;
        _acceptLoop = AcceptLoopAsync();
    }

    /// <summary>
    /// Secures an accepted connection (a TLS handshake): the stream MQTT then runs over and the client's certificate, or
    /// null when the connection is refused. The returned stream is disposed with the connection.
    /// </summary>
    public delegate Task<(Stream Stream, X509Certificate2? ClientCertificate)?> TransportSecurity(NetworkStream accepted);

    public MqttBroker Broker { get; }

    public BrokerMetrics Metrics { get; }

    public BrokerOptions Options { get; }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>
    /// Starts an engine with <paramref name="configure"/>d options (anonymous allowed) over <paramref name="store"/> (in-memory when null),
    /// checking CONNECT credentials with <paramref name="authenticator"/> (none: every CONNECT with credentials is refused),
    /// enforcing <paramref name="policy"/> (none: every topic but '$' ones) and writing security events to <paramref name="audit"/>,
    /// on <paramref name="port"/> (0: any free one) with the clock <paramref name="time"/>; each accepted connection secured by
    /// <paramref name="security"/> (TLS), or plain TCP when null.
    /// </summary>
    public static InProcessBroker Start(Action<BrokerOptions>? configure = null, IBrokerStore? store = null, TimeProvider? time = null, int port = 0, ConnectAuthenticator? authenticator = null, PolicyStore? policy = null, AuditLog? audit = null, TransportSecurity? security = null)
    {
        var options = new BrokerOptions { AllowAnonymous = true };
        configure?.Invoke(options);
        var metrics = new BrokerMetrics();
        var broker = new MqttBroker(
            Microsoft.Extensions.Options.Options.Create(options),
            store ?? new InMemoryBrokerStore(),
            metrics,
            NullLoggerFactory.Instance,
            time ?? TimeProvider.System,
            authenticator,
            audit,
            policy);
        broker.Start();
        var listener = new TcpListener(IPAddress.Loopback, port);
        listener.Server.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        listener.Start();
        return new InProcessBroker(broker, metrics, options, listener, security);
    }

    /// <summary>Graceful stop: DISCONNECT 0x8B to MQTT 5 clients, storage flushed.</summary>
    public async ValueTask DisposeAsync()
    {
        _listener.Stop();

        // As the host does (ApplicationStopping comes before Kestrel closes the transports): the engine tells
        // clients DISCONNECT 0x8B first; cancelling the connections' tokens first would close them silently.
        Broker.BeginShutdown();
        await _stop.CancelAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await Broker.StopAsync(timeout.Token);
        Task[] running;
        lock (_connections)
        {
            running = [.. _connections];
        }

        await Task.WhenAll(running).WaitAsync(TimeSpan.FromSeconds(10));
        try
        {
            await _acceptLoop;
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException or OperationCanceledException)
        {
        }

        _stop.Dispose();
        Metrics.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        int id = 0;
        while (!_stop.IsCancellationRequested)
        {
            var socket = await _listener.AcceptSocketAsync(_stop.Token);
            socket.NoDelay = true;
            var connectionId = "test-" + Interlocked.Increment(ref id);
            var task = RunConnectionAsync(socket, connectionId);
            lock (_connections)
            {
                _connections.Add(task);
            }
        }
    }

    private async Task RunConnectionAsync(Socket socket, string connectionId)
    {
        await Task.Yield();
        using (socket)
        {
            await using var stream = new NetworkStream(socket, ownsSocket: false);
            Stream transport = stream;
            X509Certificate2? certificate = null;
            if (_security is not null)
            {
                if (await _security(stream) is not { } secured)
                {
                    return;
                }

                (transport, certificate) = secured;
            }

            await using (transport == stream ? null : transport)
            {
                var pipe = new StreamDuplexPipe(transport);
                await Broker.HandleConnectionAsync(pipe, new MqttTransportInfo(connectionId, _security is null ? "tcp" : "tls", socket.RemoteEndPoint, certificate));
            }

            try
            {
                socket.Shutdown(SocketShutdown.Both);
            }
            catch (SocketException)
            {
                // the client went first
            }
        }
    }

    private sealed class StreamDuplexPipe(Stream stream) : IDuplexPipe
    {
        public PipeReader Input { get; } = PipeReader.Create(stream, new StreamPipeReaderOptions(leaveOpen: true));

        public PipeWriter Output { get; } = PipeWriter.Create(stream, new StreamPipeWriterOptions(leaveOpen: true));
    }
}
