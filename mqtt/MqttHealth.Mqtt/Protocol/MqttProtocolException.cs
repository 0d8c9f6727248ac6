namespace MqttHealth.Mqtt.Protocol;

/// <summary>
/// The one error type of the protocol layer: a packet or a peer broke a rule of the MQTT specification.
/// It carries the MQTT 5.0 Reason Code to answer with (in CONNACK or DISCONNECT; a 3.1.1 peer is simply
/// disconnected, or sent the matching CONNACK return code) and the normative statement id that was broken,
/// for example <c>MQTT-3.3.2-2</c>. The mapping to the wire is done in one place by the broker and client.
/// </summary>
public sealed class MqttProtocolException : Exception
{
    public MqttProtocolException()
        : this(ReasonCode.ProtocolError, string.Empty, "MQTT protocol error")
    {
    }

    public MqttProtocolException(string message)
        : this(ReasonCode.ProtocolError, string.Empty, message)
    {
    }

    public MqttProtocolException(string message, Exception innerException)
        : base(message, innerException)
    {
        ReasonCode = ReasonCode.ProtocolError;
        NormativeId = string.Empty;
    }

    public MqttProtocolException(ReasonCode reasonCode, string normativeId, string message)
        : base(normativeId.Length == 0 ? message : $"{message} [{normativeId}]")
    {
        ReasonCode = reasonCode;
        NormativeId = normativeId;
    }

    /// <summary>Re-labels an error with the id the same rule has in another version of the spec (see MqttV311NormativeIds).</summary>
    internal MqttProtocolException(ReasonCode reasonCode, string normativeId, string message, Exception innerException)
        : base(normativeId.Length == 0 ? message : $"{message} [{normativeId}]", innerException)
    {
        ReasonCode = reasonCode;
        NormativeId = normativeId;
    }

    /// <summary>The MQTT 5.0 reason code the receiver answers with before closing the connection.</summary>
    public ReasonCode ReasonCode { get; }

    /// <summary>The normative statement of the specification that was broken, e.g. <c>MQTT-3.3.2-2</c>; empty when none applies.</summary>
    public string NormativeId { get; }
}
