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

    /// <summary>
    /// A validation callback for a broker whose certificate comes from a private CA (a facility CA): the certificate
    /// must carry the expected name and chain to <paramref name="root"/> alone, not to any root the system trusts.
    /// </summary>
    public static RemoteCertificateValidationCallback TrustOnly(X509Certificate2 root)
    {
        ArgumentNullException.ThrowIfNull(root);
        return (_, certificate, _, errors) =>
        {
            if (certificate is null || (errors & SslPolicyErrors.RemoteCertificateNameMismatch) != 0)
            {
                return false;
            }

            using var chain = new X509Chain();
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.Add(root);
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            using var presented = new X509Certificate2(certificate);
            return chain.Build(presented);
        };
    }
}
