using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;

namespace MqttHealth.Mqtt.Client;

/// <summary>TLS for <see cref="MqttClient"/> through <see cref="SslStream"/>. Set <see cref="MqttClientOptions.Tls"/> to use it.</summary>
public sealed class MqttClientTlsOptions
{
    /// <summary>The name the server certificate must carry; defaults to <see cref="MqttClientOptions.Host"/>.</summary>
    public string? TargetHost { get; set; }

    /// <summary>
    /// Decides whether the server certificate is accepted. Null means the platform's validation (chain and name).
    /// A self-signed broker certificate needs a callback that pins it, never one that accepts everything.
    /// </summary>
    public RemoteCertificateValidationCallback? RemoteCertificateValidationCallback { get; set; }

    /// <summary>Client certificates for mutual TLS.</summary>
    public X509CertificateCollection? ClientCertificates { get; set; }

    /// <summary>Protocols allowed; <see cref="SslProtocols.None"/> lets the operating system choose (TLS 1.2 and 1.3).</summary>
    public SslProtocols EnabledSslProtocols { get; set; } = SslProtocols.None;

    /// <summary>Whether revocation of the server certificate is checked online.</summary>
    public X509RevocationMode CertificateRevocationCheckMode { get; set; } = X509RevocationMode.NoCheck;
}
