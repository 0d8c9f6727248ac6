using MqttHealth.Mqtt.Protocol;

namespace MqttHealth.Mqtt.Packets;

/// <summary>CONNACK: the server's answer to CONNECT (5.0 §3.2, 3.1.1 §3.2).</summary>
public sealed class ConnAckPacket : MqttPacket
{
    public override MqttPacketType Type => MqttPacketType.ConnAck;

    public bool SessionPresent { get; set; }

    /// <summary>
    /// The outcome. On a 3.1.1 connection it is written as the matching Connect Return Code
    /// (<see cref="ToConnectReturnCode"/>); decoding a 3.1.1 CONNACK maps the return code back.
    /// </summary>
    public ReasonCode ReasonCode { get; set; }

    /// <summary>CONNACK Properties (MQTT 5.0 only); null means none.</summary>
    public MqttProperties? Properties { get; set; }

    /// <summary>The 3.1.1 Connect Return Code closest to a 5.0 reason code (3.1.1 table 3.1).</summary>
    public static ConnectReturnCode ToConnectReturnCode(ReasonCode code) => code switch
    {
        ReasonCode.Success => ConnectReturnCode.Accepted,
        ReasonCode.UnsupportedProtocolVersion => ConnectReturnCode.UnacceptableProtocolVersion,
        ReasonCode.ClientIdentifierNotValid => ConnectReturnCode.IdentifierRejected,
        ReasonCode.BadUserNameOrPassword or ReasonCode.BadAuthenticationMethod => ConnectReturnCode.BadUserNameOrPassword,
        ReasonCode.NotAuthorized or ReasonCode.Banned => ConnectReturnCode.NotAuthorized,
        _ => ConnectReturnCode.ServerUnavailable,
    };

    /// <summary>The 5.0 reason code that a 3.1.1 Connect Return Code stands for.</summary>
    public static ReasonCode FromConnectReturnCode(ConnectReturnCode code) => code switch
    {
        ConnectReturnCode.Accepted => ReasonCode.Success,
        ConnectReturnCode.UnacceptableProtocolVersion => ReasonCode.UnsupportedProtocolVersion,
        ConnectReturnCode.IdentifierRejected => ReasonCode.ClientIdentifierNotValid,
        ConnectReturnCode.ServerUnavailable => ReasonCode.ServerUnavailable,
        ConnectReturnCode.BadUserNameOrPassword => ReasonCode.BadUserNameOrPassword,
        ConnectReturnCode.NotAuthorized => ReasonCode.NotAuthorized,
        _ => throw new ArgumentOutOfRangeException(nameof(code), code, "Not a 3.1.1 Connect Return Code."),
    };
}
