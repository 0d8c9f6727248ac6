using MqttHealth.Mqtt.Packets;
using MqttHealth.Mqtt.Protocol;

namespace MqttHealth.Mqtt.Client;

/// <summary>
/// How <see cref="MqttClient"/> connects. Read at every <see cref="MqttClient.ConnectAsync"/>, so a caller may,
/// for example, connect once with <see cref="CleanStart"/> true and then set it to false for the reconnects.
/// Properties marked "5.0" are not sent on a 3.1.1 connection.
/// </summary>
public sealed class MqttClientOptions
{
    public string Host { get; set; } = "localhost";

    /// <summary>TCP port; 1883 is MQTT, 8883 is MQTT over TLS.</summary>
    public int Port { get; set; } = 1883;

    public MqttProtocolVersion ProtocolVersion { get; set; } = MqttProtocolVersion.V500;

    /// <summary>
    /// Client Identifier. Empty asks the server to assign one (5.0: returned as Assigned Client Identifier and
    /// used for every later connect; 3.1.1 requires <see cref="CleanStart"/> for an empty id).
    /// </summary>
    public string ClientId { get; set; } = string.Empty;

    /// <summary>Clean Start (5.0) / Clean Session (3.1.1).</summary>
    public bool CleanStart { get; set; } = true;

    /// <summary>Keep Alive in seconds; 0 turns keep alive off. A Server Keep Alive in the CONNACK (5.0) replaces it.</summary>
    public ushort KeepAliveSeconds { get; set; } = 60;

    public string? UserName { get; set; }

    public ReadOnlyMemory<byte>? Password { get; set; }

    /// <summary>Will Message; its <see cref="MqttWill.Properties"/> carry the Will Delay Interval and other will properties (5.0).</summary>
    public MqttWill? Will { get; set; }

    /// <summary>Session Expiry Interval in seconds (5.0). Null or 0: the session ends with the connection.</summary>
    public uint? SessionExpiryInterval { get; set; }

    /// <summary>Receive Maximum (5.0): how many incoming QoS 1 and 2 messages the server may leave unacknowledged. Null means 65,535.</summary>
    public ushort? ReceiveMaximum { get; set; }

    /// <summary>Maximum Packet Size this client accepts (5.0; enforced on both versions). Null means the protocol limit.</summary>
    public uint? MaximumPacketSize { get; set; }

    /// <summary>Topic Alias Maximum (5.0): how many topic aliases the server may assign in its PUBLISH packets. 0 refuses them.</summary>
    public ushort TopicAliasMaximum { get; set; }

    /// <summary>Whether outgoing PUBLISH packets use topic aliases when the server allows them (5.0). See docs/mqtt-client.md.</summary>
    public bool UseTopicAliases { get; set; } = true;

    /// <summary>Request Response Information (5.0).</summary>
    public bool? RequestResponseInformation { get; set; }

    /// <summary>Request Problem Information (5.0).</summary>
    public bool? RequestProblemInformation { get; set; }

    /// <summary>User Properties of the CONNECT packet (5.0).</summary>
    public IList<MqttUserProperty> UserProperties { get; } = [];

    /// <summary>Authentication Method for enhanced authentication (5.0).</summary>
    public string? AuthenticationMethod { get; set; }

    /// <summary>Initial Authentication Data for enhanced authentication (5.0).</summary>
    public ReadOnlyMemory<byte>? AuthenticationData { get; set; }

    /// <summary>
    /// Answers the server's AUTH packets (reason Continue Authentication) during connect (5.0). It receives the
    /// server's AUTH and returns the client's next AUTH; the client fills in the Authentication Method and the
    /// Continue Authentication reason code when they are missing. Bounded by <see cref="ConnectTimeout"/>.
    /// </summary>
    public Func<AuthPacket, CancellationToken, ValueTask<AuthPacket>>? AuthenticationHandler { get; set; }

    /// <summary>Time allowed for TCP connect, TLS handshake, enhanced authentication and the CONNACK together.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>TLS settings; null (the default) connects over plain TCP.</summary>
    public MqttClientTlsOptions? Tls { get; set; }

    /// <summary>
    /// The most outgoing QoS 1 and 2 messages unacknowledged at once. The window used is the smaller of this and
    /// the server's Receive Maximum (5.0); on 3.1.1 it is this value alone.
    /// </summary>
    public ushort MaximumInflight { get; set; } = ushort.MaxValue;

    /// <summary>
    /// QoS 2, outgoing: called with the Packet Identifier when a PUBREC accepts a message, <em>before</em> the PUBREL
    /// is sent; the client awaits it on its receive loop. An application that keeps its session on disk records
    /// "PUBREC received" here, so that a restarted process resumes that message with a PUBREL and not with the
    /// PUBLISH (see <see cref="MqttClient.RestorePublish"/> and docs/mqtt-client.md). Keep it short: nothing else is
    /// read from the connection meanwhile.
    /// </summary>
    public Func<ushort, ValueTask>? PubRecReceived { get; set; }

    /// <summary>
    /// How many received messages wait in <see cref="MqttClient.ReceivedMessages"/> before the client stops
    /// reading the socket (backpressure). See docs/mqtt-client.md.
    /// </summary>
    public int ReceivedMessageCapacity { get; set; } = 1024;
}
