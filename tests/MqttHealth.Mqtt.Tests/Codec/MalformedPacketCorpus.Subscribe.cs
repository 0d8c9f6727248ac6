namespace MqttHealth.Mqtt.Tests.Codec;

/// <summary>Subscription options, empty SUBSCRIBE/UNSUBSCRIBE/SUBACK/UNSUBACK payloads, and Packet Identifier 0.</summary>
public static partial class MalformedPacketCorpus
{
    private static IEnumerable<MalformedPacketCase> SubscribeCases()
    {
        // 5.0 §3.8.3.1: bits 6-7 of the Subscription Options are reserved; a non-zero value makes the packet
        // malformed [MQTT-3.8.3-5]. Maximum QoS 3 and Retain Handling 3 are Protocol Errors (no id).
        // SUBSCRIBE: Packet Identifier 1, Property Length 0, filter "a", options.
        yield return Case("Options_ReservedBit6", V5, ToServer, "82 07 00 01 00 00 01 61 40", Malformed, "MQTT-3.8.3-5");
        yield return Case("Options_ReservedBit7", V5, ToServer, "82 07 00 01 00 00 01 61 81", Malformed, "MQTT-3.8.3-5");
        yield return Case("Options_ReservedBitOnSecondFilter", V5, ToServer, "82 0B 00 01 00 00 01 61 01 00 01 62 C1", Malformed, "MQTT-3.8.3-5");
        yield return Case("Options_MaximumQoS3", V5, ToServer, "82 07 00 01 00 00 01 61 03", ProtocolError, NoId);
        yield return Case("Options_MaximumQoS3WithOtherOptions", V5, ToServer, "82 07 00 01 00 00 01 61 2F", ProtocolError, NoId);
        yield return Case("Options_RetainHandling3", V5, ToServer, "82 07 00 01 00 00 01 61 30", ProtocolError, NoId);
        yield return Case("Options_RetainHandling3OnSecondFilter", V5, ToServer, "82 0B 00 01 00 00 01 61 02 00 01 62 31", ProtocolError, NoId);

        // 3.1.1 §3.8.3.1: the byte after a Topic Filter is the Requested QoS; bits 7-2 are reserved and QoS 3 is
        // not allowed; both make the packet malformed [MQTT-3-8.3-4] (the OASIS document spells the id that way).
        yield return Case("Options_RequestedQoS3_V311", V3, ToServer, "82 06 00 01 00 01 61 03", Malformed, "MQTT-3-8.3-4");
        yield return Case("Options_NoLocalBitIsReserved_V311", V3, ToServer, "82 06 00 01 00 01 61 04", Malformed, "MQTT-3-8.3-4");
        yield return Case("Options_RetainHandlingBitsAreReserved_V311", V3, ToServer, "82 06 00 01 00 01 61 10", Malformed, "MQTT-3-8.3-4");
        yield return Case("Options_ReservedBit7_V311", V3, ToServer, "82 06 00 01 00 01 61 80", Malformed, "MQTT-3-8.3-4");

        // 5.0 §3.8.3 [MQTT-3.8.3-2] (3.1.1 [MQTT-3.8.3-3]): at least one Topic Filter; Protocol Error.
        // 5.0 §3.10.3 [MQTT-3.10.3-2] (3.1.1 [MQTT-3.10.3-2]): likewise for UNSUBSCRIBE.
        yield return Case("Empty_Subscribe", V5, ToServer, "82 03 00 01 00", ProtocolError, "MQTT-3.8.3-2");
        yield return Case("Empty_SubscribeWithProperties", V5, ToServer, "82 05 00 01 02 0B 01", ProtocolError, "MQTT-3.8.3-2");
        yield return Case("Empty_Subscribe_V311", V3, ToServer, "82 02 00 01", ProtocolError, "MQTT-3.8.3-3");
        yield return Case("Empty_Unsubscribe", V5, ToServer, "A2 03 00 01 00", ProtocolError, "MQTT-3.10.3-2");
        yield return Case("Empty_UnsubscribeWithUserProperty", V5, ToServer, "A2 0A 00 01 07 26 00 01 6B 00 01 76", ProtocolError, "MQTT-3.10.3-2");
        yield return Case("Empty_Unsubscribe_V311", V3, ToServer, "A2 02 00 01", ProtocolError, "MQTT-3.10.3-2");

        // 5.0 §3.8.4 [MQTT-3.8.4-6] (3.1.1 [MQTT-3.8.4-5]): a SUBACK carries a code for each Topic Filter, so at
        // least one. 5.0 §3.11.3 [MQTT-3.11.3-2]: an UNSUBACK likewise (a 3.1.1 UNSUBACK has no payload).
        yield return Case("Empty_SubAck", V5, ToClient, "90 03 00 01 00", ProtocolError, "MQTT-3.8.4-6");
        yield return Case("Empty_SubAck_V311", V3, ToClient, "90 02 00 01", ProtocolError, "MQTT-3.8.4-5");
        yield return Case("Empty_UnsubAck", V5, ToClient, "B0 03 00 01 00", ProtocolError, "MQTT-3.11.3-2");
    }

    // 5.0 §2.2.1: a Client gives SUBSCRIBE, UNSUBSCRIBE and PUBLISH (QoS > 0) a non-zero Packet Identifier
    // [MQTT-2.2.1-3], a Server its PUBLISH (QoS > 0) [MQTT-2.2.1-4]; PUBACK, PUBREC, PUBREL and PUBCOMP repeat
    // the PUBLISH's [MQTT-2.2.1-5], SUBACK and UNSUBACK the request's [MQTT-2.2.1-6], so none can be 0.
    // 3.1.1 §2.3.1: [MQTT-2.3.1-1] (requests), [MQTT-2.3.1-6] (PUBACK, PUBREC, PUBREL), [MQTT-2.3.1-7] (SUBACK,
    // UNSUBACK); a 3.1.1 PUBCOMP repeats the PUBREL's id under [MQTT-4.3.3-2]. Protocol Error (the codec's choice).
    private static IEnumerable<MalformedPacketCase> PacketIdentifierCases()
    {
        yield return Case("PacketId0_PublishQoS1FromClient", V5, ToServer, "32 06 00 01 61 00 00 00", ProtocolError, "MQTT-2.2.1-3");
        yield return Case("PacketId0_PublishQoS2FromServer", V5, ToClient, "34 06 00 01 61 00 00 00", ProtocolError, "MQTT-2.2.1-4");
        yield return Case("PacketId0_PublishQoS1FromClient_V311", V3, ToServer, "32 05 00 01 61 00 00", ProtocolError, "MQTT-2.3.1-1");
        yield return Case("PacketId0_PublishQoS2FromServer_V311", V3, ToClient, "34 07 00 01 61 00 00 68 69", ProtocolError, "MQTT-2.3.1-1");
        yield return Case("PacketId0_PubAck", V5, ToServer, "40 02 00 00", ProtocolError, "MQTT-2.2.1-5");
        yield return Case("PacketId0_PubAck_V311", V3, ToClient, "40 02 00 00", ProtocolError, "MQTT-2.3.1-6");
        yield return Case("PacketId0_PubRec", V5, ToClient, "50 03 00 00 10", ProtocolError, "MQTT-2.2.1-5");
        yield return Case("PacketId0_PubRec_V311", V3, ToServer, "50 02 00 00", ProtocolError, "MQTT-2.3.1-6");
        yield return Case("PacketId0_PubRel", V5, ToServer, "62 02 00 00", ProtocolError, "MQTT-2.2.1-5");
        yield return Case("PacketId0_PubRel_V311", V3, ToClient, "62 02 00 00", ProtocolError, "MQTT-2.3.1-6");
        yield return Case("PacketId0_PubComp", V5, ToClient, "70 04 00 00 00 00", ProtocolError, "MQTT-2.2.1-5");
        yield return Case("PacketId0_PubComp_V311", V3, ToServer, "70 02 00 00", ProtocolError, "MQTT-4.3.3-2");
        yield return Case("PacketId0_Subscribe", V5, ToServer, "82 07 00 00 00 00 01 61 00", ProtocolError, "MQTT-2.2.1-3");
        yield return Case("PacketId0_Subscribe_V311", V3, ToServer, "82 06 00 00 00 01 61 00", ProtocolError, "MQTT-2.3.1-1");
        yield return Case("PacketId0_SubAck", V5, ToClient, "90 04 00 00 00 00", ProtocolError, "MQTT-2.2.1-6");
        yield return Case("PacketId0_SubAck_V311", V3, ToClient, "90 03 00 00 00", ProtocolError, "MQTT-2.3.1-7");
        yield return Case("PacketId0_Unsubscribe", V5, ToServer, "A2 06 00 00 00 00 01 61", ProtocolError, "MQTT-2.2.1-3");
        yield return Case("PacketId0_Unsubscribe_V311", V3, ToServer, "A2 05 00 00 00 01 61", ProtocolError, "MQTT-2.3.1-1");
        yield return Case("PacketId0_UnsubAck", V5, ToClient, "B0 04 00 00 00 00", ProtocolError, "MQTT-2.2.1-6");
        yield return Case("PacketId0_UnsubAck_V311", V3, ToClient, "B0 02 00 00", ProtocolError, "MQTT-2.3.1-7");
    }

    // 5.0 §3.3.1.2 [MQTT-3.3.1-4] (3.1.1 [MQTT-3.3.1-4]): a PUBLISH must not have both QoS bits set; Malformed
    // Packet ("use DISCONNECT with Reason Code 0x81"). 5.0 §3.3.1.1 [MQTT-3.3.1-2] (3.1.1 [MQTT-3.3.1-2]): DUP is
    // 0 on a QoS 0 PUBLISH; no code named, Malformed like QoS 3 (the fixed header flags are invalid).
    private static IEnumerable<MalformedPacketCase> PublishFlagCases()
    {
        yield return Case("PublishFlags_QoS3", V5, ToServer, "36 06 00 01 61 00 01 00", Malformed, "MQTT-3.3.1-4");
        yield return Case("PublishFlags_QoS3WithDupAndRetain", V5, ToClient, "3F 06 00 01 61 00 01 00", Malformed, "MQTT-3.3.1-4");
        yield return Case("PublishFlags_QoS3_V311", V3, ToServer, "36 05 00 01 61 00 01", Malformed, "MQTT-3.3.1-4");
        yield return Case("PublishFlags_QoS3Retain_V311", V3, ToClient, "37 05 00 01 61 00 01", Malformed, "MQTT-3.3.1-4");
        yield return Case("PublishFlags_DupWithQoS0", V5, ToServer, "38 04 00 01 61 00", Malformed, "MQTT-3.3.1-2");
        yield return Case("PublishFlags_DupRetainWithQoS0", V5, ToClient, "39 06 00 01 61 00 68 69", Malformed, "MQTT-3.3.1-2");
        yield return Case("PublishFlags_DupWithQoS0_V311", V3, ToServer, "38 03 00 01 61", Malformed, "MQTT-3.3.1-2");
    }
}
