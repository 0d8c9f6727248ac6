namespace MqttHealth.Mqtt.Protocol;

/// <summary>Which MQTT 5.0 reason codes each packet may carry (5.0 §2.4 table 2-6, and each packet's own table).</summary>
public static class ReasonCodes
{
    private static readonly byte[] ConnAck =
        [0x00, 0x80, 0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8A, 0x8C, 0x90, 0x95, 0x97, 0x99, 0x9A, 0x9B, 0x9C, 0x9D, 0x9F];

    private static readonly byte[] PubAckOrRec = [0x00, 0x10, 0x80, 0x83, 0x87, 0x90, 0x91, 0x97, 0x99];

    private static readonly byte[] PubRelOrComp = [0x00, 0x92];

    private static readonly byte[] SubAck = [0x00, 0x01, 0x02, 0x80, 0x83, 0x87, 0x8F, 0x91, 0x97, 0x9E, 0xA1, 0xA2];

    private static readonly byte[] UnsubAck = [0x00, 0x11, 0x80, 0x83, 0x87, 0x8F, 0x91];

    private static readonly byte[] Disconnect =
        [0x00, 0x04, 0x80, 0x81, 0x82, 0x83, 0x87, 0x89, 0x8B, 0x8D, 0x8E, 0x8F, 0x90, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99, 0x9A, 0x9B, 0x9C, 0x9D, 0x9E, 0x9F, 0xA0, 0xA1, 0xA2];

    private static readonly byte[] Auth = [0x00, 0x18, 0x19];

    /// <summary>Disconnect reason codes that only a server sends (5.0 table 3-10, "Sent by").</summary>
    private static readonly byte[] DisconnectServerOnly = [0x87, 0x89, 0x8B, 0x8D, 0x8E, 0x8F, 0x9A, 0x9B, 0x9C, 0x9D, 0x9E, 0x9F, 0xA0, 0xA1, 0xA2];

    /// <summary>Whether a DISCONNECT reason code may be sent by a client (false for server-only codes such as 0x8B).</summary>
    public static bool IsAllowedInDisconnectFromClient(ReasonCode code) =>
        IsAllowed(MqttPacketType.Disconnect, code) && Array.IndexOf(DisconnectServerOnly, (byte)code) < 0;

    /// <summary>Whether a DISCONNECT reason code may be sent by a server (false for 0x04, Disconnect with Will Message).</summary>
    public static bool IsAllowedInDisconnectFromServer(ReasonCode code) =>
        IsAllowed(MqttPacketType.Disconnect, code) && code != ReasonCode.DisconnectWithWillMessage;

    /// <summary>Whether an MQTT 5.0 packet of type <paramref name="type"/> may carry <paramref name="code"/>.</summary>
    public static bool IsAllowed(MqttPacketType type, ReasonCode code)
    {
        byte[]? allowed = type switch
        {
            MqttPacketType.ConnAck => ConnAck,
            MqttPacketType.PubAck or MqttPacketType.PubRec => PubAckOrRec,
            MqttPacketType.PubRel or MqttPacketType.PubComp => PubRelOrComp,
            MqttPacketType.SubAck => SubAck,
            MqttPacketType.UnsubAck => UnsubAck,
            MqttPacketType.Disconnect => Disconnect,
            MqttPacketType.Auth => Auth,
            _ => null,
        };
        return allowed is not null && Array.IndexOf(allowed, (byte)code) >= 0;
    }
}
