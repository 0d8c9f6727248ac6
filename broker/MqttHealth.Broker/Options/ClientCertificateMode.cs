namespace MqttHealth.Broker.Options;

/// <summary>Whether the TLS listener asks clients for a certificate.</summary>
public enum ClientCertificateMode
{
    None = 0,

    /// <summary>Asked for; a client without one may still connect; a bad one is refused.</summary>
    Optional = 1,

    /// <summary>The TLS handshake fails without a valid client certificate.</summary>
    Required = 2,
}
