using MqttHealth.Mqtt.Packets;
using MqttHealth.Mqtt.Protocol;

namespace MqttHealth.Mqtt.Client;

/// <summary>
/// A successful CONNACK and what the client took from it. Absent 5.0 properties are reported with their
/// defaults from the specification (Receive Maximum 65,535, Maximum QoS 2, Retain Available true, ...).
/// </summary>
public sealed class MqttClientConnectResult
{
    private static readonly MqttUserProperty[] NoUserProperties = [];

    internal MqttClientConnectResult(ConnAckPacket connAck, MqttProtocolVersion version, string clientId, ushort keepAliveSeconds, uint sessionExpiryInterval)
    {
        ConnAck = connAck;
        ProtocolVersion = version;
        ClientId = clientId;
        KeepAliveSeconds = keepAliveSeconds;
        SessionExpiryInterval = sessionExpiryInterval;
    }

    /// <summary>The CONNACK as received.</summary>
    public ConnAckPacket ConnAck { get; }

    public MqttProtocolVersion ProtocolVersion { get; }

    public bool SessionPresent => ConnAck.SessionPresent;

    public ReasonCode ReasonCode => ConnAck.ReasonCode;

    /// <summary>The Client Identifier in use: the configured one, or the one the server assigned.</summary>
    public string ClientId { get; }

    /// <summary>The keep alive in force: the Server Keep Alive when the server sent one, else the requested one.</summary>
    public ushort KeepAliveSeconds { get; }

    /// <summary>The Session Expiry Interval in force (the server's when it sent one); 0 on 3.1.1.</summary>
    public uint SessionExpiryInterval { get; }

    private MqttProperties? Properties => ConnAck.Properties;

    public string? AssignedClientIdentifier => Properties?.AssignedClientIdentifier;

    public ushort? ServerKeepAlive => Properties?.ServerKeepAlive;

    /// <summary>The server's Receive Maximum: how many QoS 1 and 2 PUBLISH packets it accepts unacknowledged.</summary>
    public ushort ReceiveMaximum => Properties?.ReceiveMaximum ?? ushort.MaxValue;

    public QualityOfService MaximumQoS => Properties?.MaximumQoS ?? QualityOfService.ExactlyOnce;

    public bool RetainAvailable => Properties?.RetainAvailable ?? true;

    /// <summary>The largest packet the server accepts; null means no limit beyond the protocol's.</summary>
    public uint? MaximumPacketSize => Properties?.MaximumPacketSize;

    /// <summary>How many topic aliases the client may use towards the server (0: none).</summary>
    public ushort TopicAliasMaximum => Properties?.TopicAliasMaximum ?? 0;

    public bool WildcardSubscriptionAvailable => Properties?.WildcardSubscriptionAvailable ?? true;

    public bool SubscriptionIdentifiersAvailable => Properties?.SubscriptionIdentifierAvailable ?? true;

    public bool SharedSubscriptionAvailable => Properties?.SharedSubscriptionAvailable ?? true;

    public string? ResponseInformation => Properties?.ResponseInformation;

    public string? ServerReference => Properties?.ServerReference;

    public string? ReasonString => Properties?.ReasonString;

    public ReadOnlyMemory<byte>? AuthenticationData => Properties?.AuthenticationData;

    public IReadOnlyList<MqttUserProperty> UserProperties => Properties?.UserPropertyList ?? (IReadOnlyList<MqttUserProperty>)NoUserProperties;
}
