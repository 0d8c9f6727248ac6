using MqttHealth.Broker.Audit;
using MqttHealth.Mqtt.Protocol;

namespace MqttHealth.Broker.Options;

/// <summary>
/// The broker's settings, bound from the <c>Broker</c> section of appsettings.json, environment variables
/// (<c>MQTTHEALTH_Broker__Port</c>) and the command line (<c>--port</c>, ...). Documented in
/// docs/broker-configuration.md; every default here is the documented default.
/// </summary>
public sealed class BrokerOptions
{
    public const string SectionName = "Broker";

    /// <summary>MQTT over TCP; 0 turns the listener off.</summary>
    public int Port { get; set; } = 1883;

    /// <summary>MQTT over TLS 1.2/1.3; 0 turns the listener off.</summary>
    public int TlsPort { get; set; } = 8883;

    /// <summary>MQTT over WebSocket at <c>/mqtt</c> (subprotocol <c>mqtt</c>); 0 turns the listener off.</summary>
    public int WebSocketPort { get; set; } = 8083;

    /// <summary>The admin HTTP port (/healthz, /metrics); 0 turns it off.</summary>
    public int AdminPort { get; set; } = 18083;

    /// <summary>Address the admin port binds to; loopback unless an operator decides otherwise.</summary>
    public string AdminBindAddress { get; set; } = "127.0.0.1";

    /// <summary>Address the MQTT listeners bind to (all interfaces by default).</summary>
    public string BindAddress { get; set; } = "0.0.0.0";

    /// <summary>Where the database (and generated development keys) live.</summary>
    public string DataDirectory { get; set; } = "./data";

    /// <summary><c>sqlite</c> (durable, the default) or <c>memory</c> (nothing survives a restart; for benchmarks).</summary>
    public string Storage { get; set; } = "sqlite";

    /// <summary>Development switch: accept clients without credentials.</summary>
    public bool AllowAnonymous { get; set; }

    public TlsOptions Tls { get; set; } = new();

    /// <summary>Authentication settings (<c>Broker:Security:...</c>).</summary>
    public SecurityOptions Security { get; set; } = new();

    /// <summary>The audit trail: checkpoints, queue, retention (<c>Broker:Audit:*</c>; docs/audit.md).</summary>
    public AuditOptions Audit { get; set; } = new();

    /// <summary>Largest packet the broker accepts (bytes); sent to v5 clients as Maximum Packet Size.</summary>
    public int MaximumPacketSize { get; set; } = 1024 * 1024;

    /// <summary>QoS 1/2 PUBLISHes a client may have unacknowledged towards the broker (Receive Maximum).</summary>
    public ushort ReceiveMaximum { get; set; } = 256;

    /// <summary>Topic aliases a client may use towards the broker (Topic Alias Maximum); 0 = none.</summary>
    public ushort TopicAliasMaximum { get; set; } = 64;

    /// <summary>Largest QoS the broker supports.</summary>
    public QualityOfService MaximumQoS { get; set; } = QualityOfService.ExactlyOnce;

    /// <summary>Upper bound on a client's Session Expiry Interval (seconds); longer requests are cut to it.</summary>
    public uint MaximumSessionExpiryInterval { get; set; } = uint.MaxValue;

    /// <summary>When set, the broker overrides a client's Keep Alive with this (Server Keep Alive).</summary>
    public ushort? ServerKeepAlive { get; set; }

    /// <summary>Messages one session may have queued (not in flight) before the overflow policy applies.</summary>
    public int MaxQueuedMessages { get; set; } = 10_000;

    /// <summary>What to do when a session's queue is full.</summary>
    public QueueOverflowPolicy QueueOverflow { get; set; } = QueueOverflowPolicy.DropNewest;

    /// <summary>How long graceful shutdown waits for storage to flush and clients to be told.</summary>
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How often $SYS/broker/... topics are published; 0 turns them off.</summary>
    public int SysIntervalSeconds { get; set; } = 10;

    /// <summary>Abuse limits: connections in all and per address, subscriptions per client, topic length and levels.</summary>
    public LimitsOptions Limits { get; set; } = new();
}
