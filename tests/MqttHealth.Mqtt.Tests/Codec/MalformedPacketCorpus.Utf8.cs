namespace MqttHealth.Mqtt.Tests.Codec;

/// <summary>UTF-8 Encoded Strings that are not well-formed or contain U+0000, in every string field.</summary>
public static partial class MalformedPacketCorpus
{
    // 5.0 §1.5.4: the character data MUST be well-formed UTF-8 (RFC 3629) and MUST NOT encode U+D800-U+DFFF
    // [MQTT-1.5.4-1], nor U+0000 [MQTT-1.5.4-2]; both strings of a User Property follow the same rules
    // [MQTT-1.5.7-1]. Malformed Packet. 3.1.1 §1.5.3: [MQTT-1.5.3-1], [MQTT-1.5.3-2].
    // Each field is named a UTF-8 Encoded String by its section: Client Identifier [MQTT-3.1.3-4], Will Topic
    // [MQTT-3.1.3-11], User Name [MQTT-3.1.3-12], Topic Name [MQTT-3.3.2-1], Topic Filters [MQTT-3.8.3-1],
    // [MQTT-3.10.3-1], Content Type [MQTT-3.3.2-19], Response Topic [MQTT-3.3.2-13], and the string properties
    // of §3.1.2.11, §3.2.2.3, §3.4.2.2, §3.14.2.2 and §3.15.2.2. The ill-formed sequences used:
    //   C0 AF      overlong encoding of '/'        80         continuation byte without a lead byte
    //   ED A0 80   the surrogate U+D800            E2 82      three-byte sequence cut after two bytes
    //   FF         a byte that never occurs in UTF-8
    private static IEnumerable<MalformedPacketCase> Utf8Cases()
    {
        // Protocol Name (§3.1.2.1): "MQ\xFFT".
        yield return Case("Utf8_ConnectProtocolNameInvalidByte", V5, ToServer, "10 0D 00 04 4D 51 FF 54 05 02 00 3C 00 00 00", Malformed, "MQTT-1.5.4-1");

        // Client Identifier.
        yield return Case("Utf8_ConnectClientIdOverlong", V5, ToServer, "10 0F 00 04 4D 51 54 54 05 02 00 3C 00 00 02 C0 AF", Malformed, "MQTT-1.5.4-1");
        yield return Case("Utf8_ConnectClientIdNull", V5, ToServer, "10 0E 00 04 4D 51 54 54 05 02 00 3C 00 00 01 00", Malformed, "MQTT-1.5.4-2");
        yield return Case("Utf8_ConnectClientIdLoneContinuation_V311", V3, ToServer, "10 0D 00 04 4D 51 54 54 04 02 00 3C 00 01 80", Malformed, "MQTT-1.5.3-1");
        yield return Case("Utf8_ConnectClientIdNull_V311", V3, ToServer, "10 0F 00 04 4D 51 54 54 04 02 00 3C 00 03 61 00 62", Malformed, "MQTT-1.5.3-2");

        // Will Topic (flags 06: Will Flag + Clean Start; Client Identifier "a"; Will Payload empty).
        yield return Case("Utf8_ConnectWillTopicSurrogate", V5, ToServer, "10 16 00 04 4D 51 54 54 05 06 00 3C 00 00 01 61 00 00 03 ED A0 80 00 00", Malformed, "MQTT-1.5.4-1");
        yield return Case("Utf8_ConnectWillTopicNull", V5, ToServer, "10 16 00 04 4D 51 54 54 05 06 00 3C 00 00 01 61 00 00 03 74 00 74 00 00", Malformed, "MQTT-1.5.4-2");
        yield return Case("Utf8_ConnectWillTopicTruncatedSequence_V311", V3, ToServer, "10 13 00 04 4D 51 54 54 04 06 00 3C 00 01 61 00 02 E2 82 00 00", Malformed, "MQTT-1.5.3-1");
        yield return Case("Utf8_ConnectWillTopicNull_V311", V3, ToServer, "10 14 00 04 4D 51 54 54 04 06 00 3C 00 01 61 00 03 61 00 62 00 00", Malformed, "MQTT-1.5.3-2");

        // User Name (flags 82: User Name Flag + Clean Start; Client Identifier "a").
        yield return Case("Utf8_ConnectUserNameInvalidByte", V5, ToServer, "10 11 00 04 4D 51 54 54 05 82 00 3C 00 00 01 61 00 01 FF", Malformed, "MQTT-1.5.4-1");
        yield return Case("Utf8_ConnectUserNameNull", V5, ToServer, "10 12 00 04 4D 51 54 54 05 82 00 3C 00 00 01 61 00 02 75 00", Malformed, "MQTT-1.5.4-2");
        yield return Case("Utf8_ConnectUserNameOverlong_V311", V3, ToServer, "10 11 00 04 4D 51 54 54 04 82 00 3C 00 01 61 00 02 C0 AF", Malformed, "MQTT-1.5.3-1");
        yield return Case("Utf8_ConnectUserNameNull_V311", V3, ToServer, "10 10 00 04 4D 51 54 54 04 82 00 3C 00 01 61 00 01 00", Malformed, "MQTT-1.5.3-2");

        // Topic Name of PUBLISH (also Topic Names and Filters must not contain U+0000 [MQTT-4.7.3-2]).
        yield return Case("Utf8_PublishTopicLoneContinuation", V5, Any, "30 05 00 02 61 80 00", Malformed, "MQTT-1.5.4-1");
        yield return Case("Utf8_PublishTopicNull", V5, Any, "30 06 00 03 61 00 62 00", Malformed, "MQTT-1.5.4-2");
        yield return Case("Utf8_PublishTopicSurrogate_V311", V3, Any, "30 05 00 03 ED A0 80", Malformed, "MQTT-1.5.3-1");
        yield return Case("Utf8_PublishTopicNull_V311", V3, Any, "30 05 00 03 61 00 62", Malformed, "MQTT-1.5.3-2");
        yield return Case("Utf8_PublishQoS1TopicOverlong_V311", V3, Any, "32 06 00 02 C0 AF 00 07", Malformed, "MQTT-1.5.3-1");

        // Topic Filter of SUBSCRIBE.
        yield return Case("Utf8_SubscribeFilterTruncatedSequence", V5, ToServer, "82 08 00 01 00 00 02 E2 82 00", Malformed, "MQTT-1.5.4-1");
        yield return Case("Utf8_SubscribeFilterNull", V5, ToServer, "82 09 00 01 00 00 03 61 00 62 00", Malformed, "MQTT-1.5.4-2");
        yield return Case("Utf8_SubscribeFilterOverlong_V311", V3, ToServer, "82 07 00 01 00 02 C0 AF 00", Malformed, "MQTT-1.5.3-1");
        yield return Case("Utf8_SubscribeFilterNull_V311", V3, ToServer, "82 06 00 01 00 01 00 00", Malformed, "MQTT-1.5.3-2");

        // Second Topic Filter of SUBSCRIBE, after a valid "a".
        yield return Case("Utf8_SubscribeSecondFilterInvalidByte", V5, ToServer, "82 0B 00 01 00 00 01 61 00 00 01 FF 00", Malformed, "MQTT-1.5.4-1");

        // Topic Filter of UNSUBSCRIBE.
        yield return Case("Utf8_UnsubscribeFilterInvalidByte", V5, ToServer, "A2 06 00 01 00 00 01 FF", Malformed, "MQTT-1.5.4-1");
        yield return Case("Utf8_UnsubscribeFilterNull", V5, ToServer, "A2 06 00 01 00 00 01 00", Malformed, "MQTT-1.5.4-2");
        yield return Case("Utf8_UnsubscribeFilterSurrogate_V311", V3, ToServer, "A2 07 00 01 00 03 ED A0 80", Malformed, "MQTT-1.5.3-1");
        yield return Case("Utf8_UnsubscribeFilterNull_V311", V3, ToServer, "A2 07 00 01 00 03 61 00 62", Malformed, "MQTT-1.5.3-2");

        // Content Type (0x03) in PUBLISH and in the Will Properties.
        yield return Case("Utf8_PublishContentTypeOverlong", V5, Any, "30 09 00 01 61 05 03 00 02 C0 AF", Malformed, "MQTT-1.5.4-1");
        yield return Case("Utf8_PublishContentTypeNull", V5, Any, "30 08 00 01 61 04 03 00 01 00", Malformed, "MQTT-1.5.4-2");
        yield return Case("Utf8_WillContentTypeLoneContinuation", V5, ToServer, "10 18 00 04 4D 51 54 54 05 06 00 3C 00 00 01 61 04 03 00 01 80 00 01 74 00 00", Malformed, "MQTT-1.5.4-1");

        // Response Topic (0x08) in PUBLISH and in the Will Properties.
        yield return Case("Utf8_PublishResponseTopicSurrogate", V5, Any, "30 0A 00 01 61 06 08 00 03 ED A0 80", Malformed, "MQTT-1.5.4-1");
        yield return Case("Utf8_PublishResponseTopicNull", V5, Any, "30 09 00 01 61 05 08 00 02 61 00", Malformed, "MQTT-1.5.4-2");
        yield return Case("Utf8_WillResponseTopicNull", V5, ToServer, "10 18 00 04 4D 51 54 54 05 06 00 3C 00 00 01 61 04 08 00 01 00 00 01 74 00 00", Malformed, "MQTT-1.5.4-2");

        // Reason String (0x1F) in PUBACK, CONNACK and DISCONNECT.
        yield return Case("Utf8_PubAckReasonStringInvalidByte", V5, Any, "40 08 00 01 00 04 1F 00 01 FF", Malformed, "MQTT-1.5.4-1");
        yield return Case("Utf8_ConnAckReasonStringTruncatedSequence", V5, ToClient, "20 08 00 00 05 1F 00 02 E2 82", Malformed, "MQTT-1.5.4-1");
        yield return Case("Utf8_DisconnectReasonStringNull", V5, Any, "E0 06 00 04 1F 00 01 00", Malformed, "MQTT-1.5.4-2");
        yield return Case("Utf8_SubAckReasonStringNull", V5, ToClient, "90 08 00 01 04 1F 00 01 00 00", Malformed, "MQTT-1.5.4-2");

        // User Property (0x26): name and value, in PUBLISH, SUBSCRIBE, PUBACK, CONNECT and the Will Properties.
        yield return Case("Utf8_PublishUserPropertyNameOverlong", V5, Any, "30 0C 00 01 61 08 26 00 02 C0 AF 00 01 76", Malformed, "MQTT-1.5.4-1");
        yield return Case("Utf8_SubscribeUserPropertyNameNull", V5, ToServer, "82 0E 00 01 07 26 00 01 00 00 01 76 00 01 61 00", Malformed, "MQTT-1.5.4-2");
        yield return Case("Utf8_PubAckUserPropertyValueLoneContinuation", V5, Any, "40 0B 00 01 00 07 26 00 01 6B 00 01 80", Malformed, "MQTT-1.5.4-1");
        yield return Case("Utf8_ConnectUserPropertyValueNull", V5, ToServer, "10 14 00 04 4D 51 54 54 05 02 00 3C 07 26 00 01 6B 00 01 00 00 00", Malformed, "MQTT-1.5.4-2");
        yield return Case("Utf8_WillUserPropertyValueSurrogate", V5, ToServer, "10 1D 00 04 4D 51 54 54 05 06 00 3C 00 00 01 61 09 26 00 01 6B 00 03 ED A0 80 00 01 74 00 00", Malformed, "MQTT-1.5.4-1");

        // Authentication Method (0x15) in AUTH and CONNECT.
        yield return Case("Utf8_AuthMethodSurrogate", V5, Any, "F0 08 18 06 15 00 03 ED A0 80", Malformed, "MQTT-1.5.4-1");
        yield return Case("Utf8_ConnectAuthMethodNull", V5, ToServer, "10 11 00 04 4D 51 54 54 05 02 00 3C 04 15 00 01 00 00 00", Malformed, "MQTT-1.5.4-2");

        // Assigned Client Identifier (0x12), Server Reference (0x1C), Response Information (0x1A).
        yield return Case("Utf8_ConnAckAssignedClientIdInvalidByte", V5, ToClient, "20 07 00 00 04 12 00 01 FF", Malformed, "MQTT-1.5.4-1");
        yield return Case("Utf8_ConnAckAssignedClientIdNull", V5, ToClient, "20 08 00 00 05 12 00 02 61 00", Malformed, "MQTT-1.5.4-2");
        yield return Case("Utf8_ConnAckServerReferenceOverlong", V5, ToClient, "20 08 00 9C 05 1C 00 02 C0 AF", Malformed, "MQTT-1.5.4-1");
        yield return Case("Utf8_DisconnectServerReferenceNull", V5, ToClient, "E0 07 9C 05 1C 00 02 61 00", Malformed, "MQTT-1.5.4-2");
        yield return Case("Utf8_ConnAckResponseInformationLoneContinuation", V5, ToClient, "20 07 00 00 04 1A 00 01 80", Malformed, "MQTT-1.5.4-1");
        yield return Case("Utf8_ConnAckResponseInformationNull", V5, ToClient, "20 07 00 00 04 1A 00 01 00", Malformed, "MQTT-1.5.4-2");
    }
}
