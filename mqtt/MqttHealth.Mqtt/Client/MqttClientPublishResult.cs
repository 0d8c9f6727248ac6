using MqttHealth.Mqtt.Protocol;

namespace MqttHealth.Mqtt.Client;

/// <summary>
/// The outcome of <c>MqttClient.PublishAsync</c> that the server accepted. <see cref="ReasonCode"/> is
/// the PUBACK (QoS 1) or PUBREC (QoS 2) reason code, below 0x80 (e.g. 0x10 No matching subscribers); a failure
/// code is thrown as <see cref="MqttClientException"/> with <see cref="MqttClientErrorKind.PublishRefused"/>.
/// </summary>
public sealed class MqttClientPublishResult
{
    internal static readonly MqttClientPublishResult AtMostOnce = new(0, ReasonCode.Success, null);

    internal MqttClientPublishResult(ushort packetId, ReasonCode reasonCode, MqttProperties? properties)
    {
        PacketId = packetId;
        ReasonCode = reasonCode;
        Properties = properties;
    }

    /// <summary>The Packet Identifier the message was sent with; 0 for QoS 0.</summary>
    public ushort PacketId { get; }

    /// <summary>PUBACK (QoS 1) or PUBREC (QoS 2) reason code; always Success on 3.1.1 and for QoS 0.</summary>
    public ReasonCode ReasonCode { get; }

    /// <summary>Reason String and User Properties of the acknowledgement (5.0); null when there were none.</summary>
    public MqttProperties? Properties { get; }

    public string? ReasonString => Properties?.ReasonString;
}
