using System.Collections.Concurrent;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using MqttHealth.Broker.Audit;
using MqttHealth.Broker.Engine;
using MqttHealth.Broker.Listeners;
using MqttHealth.Broker.Observability;
using MqttHealth.Broker.Security.Authentication;
using MqttHealth.Broker.Security.Authorization;
using MqttHealth.Broker.Tests.Infrastructure;
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
    private readonly InProcessBroker _inner;
    private readonly X509Certificate2 _serverCertificate;

    private TlsInProcessBroker(Func<TlsInProcessBroker, InProcessBroker> start, X509Certificate2 serverCertificate)
    {
        _serverCertificate = serverCertificate;
        _inner = start(this);
    }

    public MqttBroker Broker => _inner.Broker;

    public BrokerMetrics Metrics => _inner.Metrics;

    public int Port => _inner.Port;

    /// <summary>Why handshakes were refused, in order (the validator's reasons).</summary>
    public ConcurrentQueue<string> RefusedHandshakes { get; } = new();

    /// <summary>
    /// Starts the engine (anonymous off) with <paramref name="authenticator"/>, <paramref name="policy"/> and
    /// <paramref name="audit"/> behind TLS with <paramref name="serverCertificate"/>, client certificates required and
    /// checked by <paramref name="validator"/>.
    /// </summary>
    public static TlsInProcessBroker Start(X509Certificate2 serverCertificate, ClientCertificateValidator validator, ConnectAuthenticator authenticator, PolicyStore? policy = null, AuditLog? audit = null) =>
        new(
            tls => InProcessBroker.Start(o => o.AllowAnonymous = false, authenticator: authenticator, policy: policy, audit: audit, security: stream => tls.HandshakeAsync(stream, validator)),
            serverCertificate);

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

    public ValueTask DisposeAsync() => _inner.DisposeAsync();

    /// <summary>The TLS handshake with a required client certificate, checked by the production validator (CA file, CRLs).</summary>
    private async Task<(Stream Stream, X509Certificate2? ClientCertificate)?> HandshakeAsync(NetworkStream stream, ClientCertificateValidator validator)
    {
        var ssl = new SslStream(stream, leaveInnerStreamOpen: true);
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

                if (validator.Validate(client, chain, out string reason))
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
            await ssl.DisposeAsync();
            return null;
        }

        return (ssl, ssl.RemoteCertificate as X509Certificate2);
    }
}
