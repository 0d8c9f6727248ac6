namespace MqttHealth.Mqtt.Tests.Codec;

/// <summary>Fields that run past the end of the packet, and bytes left over after the last field.</summary>
public static partial class MalformedPacketCorpus
{
    // 5.0 §1.2: a Malformed Packet is one that cannot be parsed according to this specification. A length
    // prefix (1.5.4, 1.5.6), a Property Length (2.2.2.1) or a fixed-size field that needs more bytes than the
    // Remaining Length leaves cannot be parsed. The spec gives these no id; 3.1.1 §4.8 (close) likewise.
    private static IEnumerable<MalformedPacketCase> TruncationCases()
    {
        // CONNECT
        yield return Case("Truncated_ConnectProtocolName", V5, ToServer, "10 04 00 04 4D 51", Malformed, NoId);
        yield return Case("Truncated_ConnectProtocolLevel_V311", V3, ToServer, "10 06 00 04 4D 51 54 54", Malformed, NoId);
        yield return Case("Truncated_ConnectKeepAlive", V5, ToServer, "10 09 00 04 4D 51 54 54 05 02 00", Malformed, NoId);
        yield return Case("Truncated_ConnectPropertyLengthBeyondEnd", V5, ToServer, "10 0D 00 04 4D 51 54 54 05 02 00 3C 05 11 00", Malformed, NoId);

        // Property Length 3 holds Session Expiry Interval (0x11) with only two of its four bytes.
        yield return Case("Truncated_ConnectSessionExpiryInsideProperties", V5, ToServer, "10 10 00 04 4D 51 54 54 05 02 00 3C 03 11 00 00 00 00", Malformed, NoId);
        yield return Case("Truncated_ConnectMissingClientIdentifier", V5, ToServer, "10 0B 00 04 4D 51 54 54 05 02 00 3C 00", Malformed, NoId);
        yield return Case("Truncated_ConnectClientIdentifierLength_V311", V3, ToServer, "10 0E 00 04 4D 51 54 54 04 02 00 3C 00 05 61 62", Malformed, NoId);

        // Will Flag set (flags 06), Client Identifier "a", then nothing: the Will fields must follow [MQTT-3.1.2-9].
        yield return Case("Truncated_ConnectMissingWillTopic_V311", V3, ToServer, "10 0D 00 04 4D 51 54 54 04 06 00 3C 00 01 61", Malformed, NoId);
        yield return Case("Truncated_ConnectWillPropertyLengthBeyondEnd", V5, ToServer, "10 0F 00 04 4D 51 54 54 05 06 00 3C 00 00 01 61 0A", Malformed, NoId);
        yield return Case("Truncated_ConnectWillPayloadLength_V311", V3, ToServer, "10 14 00 04 4D 51 54 54 04 06 00 3C 00 01 61 00 01 74 00 05 68 69", Malformed, NoId);
        yield return Case("Truncated_ConnectMissingWillPayload", V5, ToServer, "10 12 00 04 4D 51 54 54 05 06 00 3C 00 00 01 61 00 00 01 74", Malformed, NoId);

        // User Name Flag (0x80) or Password Flag (0x40) set, field absent [MQTT-3.1.2-17], [MQTT-3.1.2-19].
        yield return Case("Truncated_ConnectMissingUserName_V311", V3, ToServer, "10 0D 00 04 4D 51 54 54 04 82 00 3C 00 01 61", Malformed, NoId);
        yield return Case("Truncated_ConnectMissingPassword", V5, ToServer, "10 0E 00 04 4D 51 54 54 05 42 00 3C 00 00 01 61", Malformed, NoId);
        yield return Case("Truncated_ConnectPasswordLength_V311", V3, ToServer, "10 13 00 04 4D 51 54 54 04 C2 00 3C 00 01 61 00 01 75 00 04 70", Malformed, NoId);

        // CONNACK: both fixed bytes are required; a 5.0 CONNACK has no short form without Property Length (§3.2.2.3).
        yield return Case("Truncated_ConnAckReasonCode", V5, ToClient, "20 01 00", Malformed, NoId);
        yield return Case("Truncated_ConnAckReturnCode_V311", V3, ToClient, "20 01 00", Malformed, NoId);
        yield return Case("Truncated_ConnAckEmpty_V311", V3, ToClient, "20 00", Malformed, NoId);
        yield return Case("Truncated_ConnAckMissingPropertyLength", V5, ToClient, "20 02 00 00", Malformed, NoId);
        yield return Case("Truncated_ConnAckPropertyLengthBeyondEnd", V5, ToClient, "20 05 00 00 08 13 00", Malformed, NoId);

        // PUBLISH
        yield return Case("Truncated_PublishTopicLength", V5, Any, "30 05 00 07 61 62 00", Malformed, NoId);
        yield return Case("Truncated_PublishTopicLength_V311", V3, Any, "30 03 00 05 61", Malformed, NoId);
        yield return Case("Truncated_PublishEmptyBody_V311", V3, Any, "30 00", Malformed, NoId);
        yield return Case("Truncated_PublishQoS1MissingPacketIdentifier_V311", V3, Any, "32 03 00 01 61", Malformed, NoId);
        yield return Case("Truncated_PublishQoS2HalfPacketIdentifier", V5, Any, "34 04 00 01 61 00", Malformed, NoId);
        yield return Case("Truncated_PublishMissingPropertyLength", V5, Any, "30 03 00 01 61", Malformed, NoId);
        yield return Case("Truncated_PublishPropertyLengthVbi", V5, Any, "30 04 00 01 61 80", Malformed, NoId);
        yield return Case("Truncated_PublishPropertyLengthBeyondEnd", V5, Any, "30 05 00 01 61 04 01", Malformed, NoId);

        // Property Length 6: User Property name "k", then a value length of 5 with no bytes.
        yield return Case("Truncated_PublishUserPropertyValue", V5, Any, "30 0A 00 01 61 06 26 00 01 6B 00 05", Malformed, NoId);

        // Property Length 4: Correlation Data of length 9 with one byte.
        yield return Case("Truncated_PublishCorrelationData", V5, Any, "30 08 00 01 61 04 09 00 09 01", Malformed, NoId);

        // Property Length 2: Message Expiry Interval (four bytes) with one byte.
        yield return Case("Truncated_PublishMessageExpiryInterval", V5, Any, "30 06 00 01 61 02 02 00", Malformed, NoId);

        // PUBACK, PUBREC, PUBREL, PUBCOMP: the Packet Identifier is required (§3.4.2).
        yield return Case("Truncated_PubAckEmpty", V5, Any, "40 00", Malformed, NoId);
        yield return Case("Truncated_PubAckHalfPacketIdentifier_V311", V3, Any, "40 01 00", Malformed, NoId);
        yield return Case("Truncated_PubRecEmpty_V311", V3, Any, "50 00", Malformed, NoId);
        yield return Case("Truncated_PubRelHalfPacketIdentifier", V5, Any, "62 01 00", Malformed, NoId);
        yield return Case("Truncated_PubCompEmpty_V311", V3, Any, "70 00", Malformed, NoId);
        yield return Case("Truncated_PubAckPropertyLengthBeyondEnd", V5, Any, "40 05 00 01 00 05 1F", Malformed, NoId);

        // Property Length 3: Reason String of length 5 with no bytes.
        yield return Case("Truncated_PubRecReasonString", V5, Any, "50 07 00 01 00 03 1F 00 05", Malformed, NoId);

        // SUBSCRIBE
        yield return Case("Truncated_SubscribeHalfPacketIdentifier_V311", V3, ToServer, "82 01 00", Malformed, NoId);
        yield return Case("Truncated_SubscribeMissingPropertyLength", V5, ToServer, "82 02 00 01", Malformed, NoId);
        yield return Case("Truncated_SubscribeFilterLength_V311", V3, ToServer, "82 05 00 01 00 09 61", Malformed, NoId);
        yield return Case("Truncated_SubscribeMissingOptions", V5, ToServer, "82 06 00 01 00 00 01 61", Malformed, NoId);
        yield return Case("Truncated_SubscribeMissingRequestedQoS_V311", V3, ToServer, "82 05 00 01 00 01 61", Malformed, NoId);

        // Second filter "b" without its options byte.
        yield return Case("Truncated_SubscribeSecondFilterMissingOptions", V5, ToServer, "82 0A 00 01 00 00 01 61 00 00 01 62", Malformed, NoId);
        yield return Case("Truncated_SubscribePropertyLengthBeyondEnd", V5, ToServer, "82 06 00 01 0A 00 01 61", Malformed, NoId);

        // SUBACK, UNSUBSCRIBE, UNSUBACK
        yield return Case("Truncated_SubAckPropertyLengthBeyondEnd", V5, ToClient, "90 04 00 01 09 00", Malformed, NoId);
        yield return Case("Truncated_SubAckHalfPacketIdentifier_V311", V3, ToClient, "90 01 00", Malformed, NoId);
        yield return Case("Truncated_UnsubscribeHalfPacketIdentifier_V311", V3, ToServer, "A2 01 01", Malformed, NoId);
        yield return Case("Truncated_UnsubscribeFilterLength", V5, ToServer, "A2 06 00 01 00 00 04 61", Malformed, NoId);
        yield return Case("Truncated_UnsubscribeSecondFilterLength_V311", V3, ToServer, "A2 08 00 01 00 01 61 00 03 62", Malformed, NoId);
        yield return Case("Truncated_UnsubAckEmpty_V311", V3, ToClient, "B0 00", Malformed, NoId);
        yield return Case("Truncated_UnsubAckMissingPropertyLength", V5, ToClient, "B0 02 00 01", Malformed, NoId);

        // DISCONNECT and AUTH: the short forms stop before the Property Length, but one that is there must fit.
        yield return Case("Truncated_DisconnectPropertyLengthBeyondEnd", V5, Any, "E0 02 00 07", Malformed, NoId);
        yield return Case("Truncated_DisconnectReasonStringLength", V5, Any, "E0 05 00 03 1F 00 02", Malformed, NoId);
        yield return Case("Truncated_AuthPropertyLengthBeyondEnd", V5, Any, "F0 03 18 09 15", Malformed, NoId);
        yield return Case("Truncated_AuthMethodLength", V5, Any, "F0 05 18 03 15 00 09", Malformed, NoId);
    }

    // A packet ends exactly where its last field ends: 5.0 §1.2 (cannot be parsed), and the packet layouts of
    // 3.1.1 §3.2 (CONNACK: Remaining Length 2), §3.4-§3.7 (acks: 2), §3.11 (UNSUBACK: 2, no payload), §3.12/§3.13
    // (PINGREQ/PINGRESP: 0, no variable header, no payload), §3.14 (3.1.1 DISCONNECT: 0). No id.
    private static IEnumerable<MalformedPacketCase> TrailingByteCases()
    {
        yield return Case("TrailingBytes_ConnAck_V311", V3, ToClient, "20 03 00 00 00", Malformed, NoId);
        yield return Case("TrailingBytes_ConnAckAfterProperties", V5, ToClient, "20 04 00 00 00 FF", Malformed, NoId);
        yield return Case("TrailingBytes_ConnectAfterClientIdentifier_V311", V3, ToServer, "10 0E 00 04 4D 51 54 54 04 02 00 3C 00 01 61 FF", Malformed, NoId);

        // 3.1.1 acks have no Reason Code: a third byte is one too many.
        yield return Case("TrailingBytes_PubAckReasonCode_V311", V3, Any, "40 03 00 01 00", Malformed, NoId);
        yield return Case("TrailingBytes_PubRec_V311", V3, Any, "50 04 00 01 00 00", Malformed, NoId);
        yield return Case("TrailingBytes_PubRel_V311", V3, Any, "62 03 00 01 92", Malformed, NoId);
        yield return Case("TrailingBytes_PubComp_V311", V3, Any, "70 03 00 01 00", Malformed, NoId);
        yield return Case("TrailingBytes_PubAckAfterProperties", V5, Any, "40 05 00 01 00 00 00", Malformed, NoId);
        yield return Case("TrailingBytes_UnsubAckReasonCode_V311", V3, ToClient, "B0 03 00 01 00", Malformed, NoId);
        yield return Case("TrailingBytes_PingReq", V5, ToServer, "C0 01 00", Malformed, NoId);
        yield return Case("TrailingBytes_PingReq_V311", V3, ToServer, "C0 02 00 00", Malformed, NoId);
        yield return Case("TrailingBytes_PingResp", V5, ToClient, "D0 01 00", Malformed, NoId);
        yield return Case("TrailingBytes_PingResp_V311", V3, ToClient, "D0 01 FF", Malformed, NoId);
        yield return Case("TrailingBytes_Disconnect_V311", V3, ToServer, "E0 01 00", Malformed, NoId);
        yield return Case("TrailingBytes_DisconnectAfterProperties", V5, Any, "E0 03 00 00 00", Malformed, NoId);
        yield return Case("TrailingBytes_AuthAfterProperties", V5, Any, "F0 08 18 05 15 00 02 61 62 00", Malformed, NoId);
    }
}
