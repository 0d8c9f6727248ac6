namespace MqttHealth.EdgeAgent.Options;

/// <summary>The one persistent MQTT 5 connection to the broker (<c>Agent:Broker</c>).</summary>
public sealed class BrokerConnectionOptions
{
    public string Host { get; set; } = "127.0.0.1";

    public int Port { get; set; } = 1883;

    /// <summary>The MQTT client id; empty: <c>agent-{hostname}</c>. It must stay the same across restarts (persistent session).</summary>
    public string ClientId { get; set; } = string.Empty;

    /// <summary>Keep alive; long by default because a PINGREQ costs bytes on a slow link.</summary>
    public ushort KeepAliveSeconds { get; set; } = 120;

    /// <summary>How long the broker keeps the session (and what is queued for it) after the link drops.</summary>
    public uint SessionExpirySeconds { get; set; } = 86_400;

    public string? UserName { get; set; }

    /// <summary>A file holding the password (never the password itself in configuration).</summary>
    public string? PasswordFile { get; set; }

    public bool Tls { get; set; }

    /// <summary>PEM file the broker's certificate must chain to (with <see cref="Tls"/>); empty: the facility CA.</summary>
    public string? TlsCaFile { get; set; }

    /// <summary>The name the broker's certificate must carry; empty: <see cref="Host"/>.</summary>
    public string? TlsHost { get; set; }

    /// <summary>
    /// Mutual TLS (with <see cref="Tls"/>): present the first device identity (<c>Agent:Identity:Devices:0</c>, the
    /// certificate from <c>mqtthealth keys issue</c> that also seals) to the broker, whose <c>Tls:ClientCaPath</c> is the facility CA.
    /// </summary>
    public bool TlsClientCertificate { get; set; }

    /// <summary>QoS of alarms: 2 (exactly once, the default) or 1.</summary>
    public int AlarmQos { get; set; } = 2;

    /// <summary>How many QoS 1/2 publishes may await their acknowledgement at once.</summary>
    public ushort MaxInflight { get; set; } = 32;

    /// <summary>First reconnect delay bound; doubles per failed attempt up to <see cref="ReconnectMaxDelay"/>, full jitter.</summary>
    public TimeSpan ReconnectMinDelay { get; set; } = TimeSpan.FromSeconds(1);

    public TimeSpan ReconnectMaxDelay { get; set; } = TimeSpan.FromSeconds(60);

    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(15);
}
