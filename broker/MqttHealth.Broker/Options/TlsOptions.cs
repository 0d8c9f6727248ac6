namespace MqttHealth.Broker.Options;

/// <summary>The TLS listener's certificate and client-certificate policy.</summary>
public sealed class TlsOptions
{
    /// <summary>PEM certificate (chain) file. When empty, a self-signed development certificate is generated in the data directory.</summary>
    public string? CertificatePath { get; set; }

    /// <summary>PEM private key file for <see cref="CertificatePath"/>.</summary>
    public string? KeyPath { get; set; }

    /// <summary><c>none</c>, <c>optional</c> or <c>required</c>.</summary>
    public ClientCertificateMode ClientCertificates { get; set; } = ClientCertificateMode.None;

    /// <summary>PEM file of CA certificates that client certificates must chain to (required when client certificates are accepted).</summary>
    public string? ClientCaPath { get; set; }

    /// <summary>
    /// PEM or DER file of CRLs from the CAs in <see cref="ClientCaPath"/>; when set, client certificates (and the CAs
    /// above them) are checked against it at the handshake and at CONNECT, and it is re-read when it changes.
    /// </summary>
    public string? ClientCrlFile { get; set; }

    /// <summary>What a CRL past its nextUpdate means: <see cref="CrlStaleMode.Refuse"/> (default) or <see cref="CrlStaleMode.Accept"/>.</summary>
    public CrlStaleMode ClientCrlStale { get; set; } = CrlStaleMode.Refuse;
}
