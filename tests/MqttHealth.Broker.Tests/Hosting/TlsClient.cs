using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;

namespace MqttHealth.Broker.Tests.Hosting;

/// <summary>MQTT over TLS on loopback with <see cref="SslStream"/>: handshake, CONNECT, CONNACK.</summary>
internal static class TlsClient
{
    /// <summary>
    /// Connects, completes the handshake and exchanges CONNECT/CONNACK. Returns the negotiated protocol, or null
    /// when the server refused (handshake failure, an alert after it as TLS 1.3 sends for a refused client
    /// certificate, or the connection closed before CONNACK).
    /// </summary>
    /// <param name="port">The broker's TLS port on 127.0.0.1.</param>
    /// <param name="serverCertificate">The certificate the broker must present (pinned: the development certificate is self-signed).</param>
    /// <param name="protocols">What the client offers.</param>
    /// <param name="clientCertificate">Presented when the server asks; null for none.</param>
    public static async Task<SslProtocols?> TryConnectAsync(int port, X509Certificate2 serverCertificate, SslProtocols protocols, X509Certificate2? clientCertificate = null)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, port).WaitAsync(MqttWire.Timeout);
        await using var ssl = new SslStream(tcp.GetStream(), leaveInnerStreamOpen: false);
        var options = new SslClientAuthenticationOptions
        {
            TargetHost = "localhost",
            EnabledSslProtocols = protocols,

            // Only "untrusted root" is acceptable: the name must match the certificate's SAN, and it must be the pinned one.
            RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
                certificate is not null
                && certificate.GetCertHashString() == serverCertificate.Thumbprint
                && (errors & ~SslPolicyErrors.RemoteCertificateChainErrors) == SslPolicyErrors.None,
        };
        if (clientCertificate is not null)
        {
            options.ClientCertificates = [clientCertificate];
            options.LocalCertificateSelectionCallback = (_, _, _, _, _) => clientCertificate;
        }

        using var timeout = new CancellationTokenSource(MqttWire.Timeout);
        try
        {
            await ssl.AuthenticateAsClientAsync(options, timeout.Token);
            await ssl.WriteAsync(MqttWire.Connect("tls-" + Guid.NewGuid().ToString("N")), timeout.Token);
            byte[] reply = await MqttWire.ReadPacketAsync(ssl, timeout.Token);
            return reply.AsSpan().SequenceEqual(MqttWire.ConnAckAccepted) ? ssl.SslProtocol : null;
        }
        catch (Exception ex) when (ex is AuthenticationException or IOException)
        {
            return null;
        }
    }

    /// <summary>The development certificate the broker wrote (certificate only, no key).</summary>
    public static X509Certificate2 LoadPem(string path) => X509Certificate2.CreateFromPem(File.ReadAllText(path));
}
