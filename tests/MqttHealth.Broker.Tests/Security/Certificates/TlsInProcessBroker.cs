using System.Collections.Concurrent;
using System.IO.Pipelines;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging.Abstractions;
using MqttHealth.Broker.Audit;
using MqttHealth.Broker.Engine;
using MqttHealth.Broker.Listeners;
using MqttHealth.Broker.Observability;
using MqttHealth.Broker.Options;
using MqttHealth.Broker.Security.Authentication;
using MqttHealth.Broker.Security.Authorization;
using MqttHealth.Broker.Storage;
using MqttHealth.Mqtt.Client;
using MqttHealth.Mqtt.Protocol;

namespace MqttHealth.Broker.Tests.Security.Certificates;

/// <summary>
/// The broker engine behind a real TLS listener on loopback, in the test process: <see cref="SslStream"/> asks for a
/// client certificate and checks it with the same <see cref="ClientCertificateValidator"/> the Kestrel listener uses
/// (CA file, CRLs), then hands the connection and its certificate to the engine, as MqttConnectionHandler does.
/// </summary>
internal sealed class TlsInProcessBroker : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _connections = [];
    private readonly Task _acceptLoop;
    private readonly X509Certificate2 _serverCertificate;
    private readonly ClientCertificateValidator _validator;

    private TlsInProcessBroker(MqttBroker broker, BrokerMetrics metrics, X509Certificate2 serverCertificate, ClientCertificateValidator validator, TcpListener listener)
    {
        Broker = broker;
        Metrics = metrics;
        _serverCertificate = serverCertificate;
        _validator = validator;
        _listener = listener;
        _acceptLoop = AcceptLoopAsync();
    }

    public MqttBroker Broker { get; }

    public BrokerMetrics Metrics { get; }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>Why handshakes were refused, in order (the validator's reasons).</summary>
    public ConcurrentQueue<string> RefusedHandshakes { get; } = new();

    /// <summary>
    /// Starts the engine (anonymous off) with <paramref name="authenticator"/>, <paramref name="policy"/> and
    /// <paramref name="audit"/> behind TLS with <paramref name="serverCertificate"/>, client certificates required and
    /// checked by <paramref name="validator"/>.
    /// </summary>
    public static TlsInProcessBroker Start(X509Certificate2 serverCertificate, ClientCertificateValidator validator, ConnectAuthenticator authenticator, PolicyStore? policy = null, AuditLog? audit = null)
    {
        var options = new BrokerOptions { AllowAnonymous = false };
        var metrics = new BrokerMetrics();
        var broker = new MqttBroker(Microsoft.Extensions.Options.Options.Create(options), new InMemoryBrokerStore(), metrics, NullLoggerFactory.Instance, TimeProvider.System, authenticator, audit, policy);
        broker.Start();
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return new TlsInProcessBroker(broker, metrics, serverCertificate, validator, listener);
    }

    /// <summary>Client options for the real <see cref="MqttClient"/> over TLS with <paramref name="clientCertificate"/>; the server certificate is pinned.</summary>
    public MqttClientOptions ClientOptions(X509Certificate2? clientCertificate, string clientId, MqttProtocolVersion version = MqttProtocolVersion.V500)
    {
        string pinned = _serverCertificate.Thumbprint;
        return new MqttClientOptions
        {
            Host = "127.0.0.1",
            Port = Port,
            ProtocolVersion = version,
            ClientId = clientId,
            ConnectTimeout = TimeSpan.FromSeconds(5),
            Tls = new MqttClientTlsOptions
            {
                TargetHost = "localhost",
                RemoteCertificateValidationCallback = (_, certificate, _, _) => certificate is not null && certificate.GetCertHashString() == pinned,
                ClientCertificates = clientCertificate is null ? null : [clientCertificate],
            },
        };
    }

    /// <summary>Connects the real client; throws what the client throws (a TLS failure, a CONNACK refusal).</summary>
    public async Task<MqttClient> ConnectAsync(X509Certificate2? clientCertificate, string clientId, MqttProtocolVersion version = MqttProtocolVersion.V500, Action<MqttClientOptions>? configure = null)
    {
        MqttClientOptions options = ClientOptions(clientCertificate, clientId, version);
        configure?.Invoke(options);
        var client = new MqttClient(options);
        try
        {
            await client.ConnectAsync().WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch
        {
            await client.DisposeAsync();
            throw;
        }

        return client;
    }

    public async ValueTask DisposeAsync()
    {
        _listener.Stop();
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
            Socket socket = await _listener.AcceptSocketAsync(_stop.Token);
            socket.NoDelay = true;
            Task task = RunConnectionAsync(socket, "tls-test-" + Interlocked.Increment(ref id));
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
            await using var ssl = new SslStream(new NetworkStream(socket, ownsSocket: false), leaveInnerStreamOpen: false);
            var options = new SslServerAuthenticationOptions
            {
                ServerCertificate = _serverCertificate,
                ClientCertificateRequired = true,
                EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
                RemoteCertificateValidationCallback = (_, certificate, chain, _) =>
                {
                    if (certificate is not X509Certificate2 client)
                    {
                        RefusedHandshakes.Enqueue("no client certificate");
                        return false;
                    }

                    if (_validator.Validate(client, chain, out string reason))
                    {
                        return true;
                    }

                    RefusedHandshakes.Enqueue(reason);
                    return false;
                },
            };
            try
            {
                using var handshakeTimeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                await ssl.AuthenticateAsServerAsync(options, handshakeTimeout.Token);
            }
            catch (Exception ex) when (ex is AuthenticationException or IOException or OperationCanceledException)
            {
                return;
            }

            var pipe = new StreamDuplexPipe(ssl);
            var certificate = ssl.RemoteCertificate as X509Certificate2;
            await Broker.HandleConnectionAsync(pipe, new MqttTransportInfo(connectionId, "tls", socket.RemoteEndPoint, certificate));
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
