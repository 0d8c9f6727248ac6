using System.Net;
using System.Security.Authentication;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using MqttHealth.Broker.Hosting;
using MqttHealth.Broker.Options;
using KestrelClientCertificateMode = Microsoft.AspNetCore.Server.Kestrel.Https.ClientCertificateMode;

namespace MqttHealth.Broker.Listeners;

/// <summary>
/// The broker's Kestrel endpoints: MQTT over TCP and over TLS (connection handlers, no HTTP), the WebSocket
/// port and the admin port (HTTP/1.1; the request pipeline tells them apart by local port).
/// </summary>
public static class BrokerListeners
{
    private static readonly TimeSpan HandshakeTimeout = TimeSpan.FromSeconds(10);

    public static void Configure(KestrelServerOptions kestrel, BrokerOptions options, TlsListenerSettings? tls)
    {
        ArgumentNullException.ThrowIfNull(kestrel);
        ArgumentNullException.ThrowIfNull(options);
        kestrel.AddServerHeader = false;
        IPAddress bind = IPAddress.Parse(options.BindAddress);
        if (options.Port > 0)
        {
            kestrel.Listen(bind, options.Port, listen => listen.UseConnectionHandler<MqttConnectionHandler>());
        }

        if (options.TlsPort > 0)
        {
            TlsListenerSettings settings = tls ?? throw new InvalidOperationException("The TLS listener is on but its certificate was not loaded.");
            kestrel.Listen(bind, options.TlsPort, listen =>
            {
                ILogger logger = kestrel.ApplicationServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(BrokerListeners).FullName!);
                listen.UseHttps(CreateHttpsOptions(settings, logger));
                listen.UseConnectionHandler<MqttConnectionHandler>();
            });
        }

        if (options.WebSocketPort > 0)
        {
            kestrel.Listen(bind, options.WebSocketPort, listen => listen.Protocols = HttpProtocols.Http1);
        }

        if (options.AdminPort > 0)
        {
            kestrel.Listen(IPAddress.Parse(options.AdminBindAddress), options.AdminPort, listen => listen.Protocols = HttpProtocols.Http1);
        }
    }

    /// <summary>TLS 1.2 and 1.3 only; client certificates per <see cref="TlsListenerSettings.ClientCertificates"/>.</summary>
    public static HttpsConnectionAdapterOptions CreateHttpsOptions(TlsListenerSettings tls, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(tls);
        var https = new HttpsConnectionAdapterOptions
        {
            ServerCertificate = tls.ServerCertificate,
            ServerCertificateChain = tls.ServerChain,
            SslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
            CheckCertificateRevocation = false,
            HandshakeTimeout = HandshakeTimeout,
            ClientCertificateMode = tls.ClientCertificates switch
            {
                Options.ClientCertificateMode.Optional => KestrelClientCertificateMode.AllowCertificate,
                Options.ClientCertificateMode.Required => KestrelClientCertificateMode.RequireCertificate,
                _ => KestrelClientCertificateMode.NoCertificate,
            },

            // Kestrel offers h2 and http/1.1 by ALPN; MQTT is neither. Without ALPN a client that asks for
            // "mqtt" (as some do on port 443) is served rather than refused for a protocol name.
            OnAuthenticate = static (_, ssl) => ssl.ApplicationProtocols = null,
        };
        if (tls.ClientValidator is { } validator)
        {
            // Replaces the default check against the machine's trust store (see ClientCertificateValidator).
            https.ClientCertificateValidation = (certificate, chain, _) =>
            {
                if (validator.Validate(certificate, chain, out string reason))
                {
                    return true;
                }

                logger.ClientCertificateRejected(certificate.Subject, certificate.Thumbprint, reason);
                return false;
            };
        }

        return https;
    }

    /// <summary>The endpoints as one line for the start-up log: <c>mqtt://0.0.0.0:1883, mqtts://..., ws://.../mqtt, admin http://...</c>.</summary>
    public static string DescribeEndpoints(BrokerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var parts = new List<string>(4);
        IPAddress bind = IPAddress.Parse(options.BindAddress);
        if (options.Port > 0)
        {
            parts.Add("mqtt://" + new IPEndPoint(bind, options.Port));
        }

        if (options.TlsPort > 0)
        {
            parts.Add("mqtts://" + new IPEndPoint(bind, options.TlsPort));
        }

        if (options.WebSocketPort > 0)
        {
            parts.Add("ws://" + new IPEndPoint(bind, options.WebSocketPort) + MqttWebSocketEndpoint.Path);
        }

        if (options.AdminPort > 0)
        {
            parts.Add("admin http://" + new IPEndPoint(IPAddress.Parse(options.AdminBindAddress), options.AdminPort));
        }

        return string.Join(", ", parts);
    }
}
