using MqttHealth.Mqtt.Protocol;

namespace MqttHealth.Mqtt.Tests.Codec;

/// <summary>MQTT 5.0 properties: unknown, not allowed in the packet, repeated, or with a forbidden value; and packet size.</summary>
/// <remarks>
/// The property sections sit in these frames (n = bytes of properties; P = the properties):
/// CONNECT <c>10 (13+n) 00 04 4D 51 54 54 05 02 00 3C n P 00 00</c> (Client Identifier "");
/// Will Properties <c>10 (20+n) 00 04 4D 51 54 54 05 06 00 3C 00 00 01 61 n P 00 01 74 00 00</c> (Will Topic "t");
/// CONNACK <c>20 (3+n) 00 00 n P</c>; PUBLISH <c>30 (4+n) 00 01 61 n P</c> (topic "a");
/// PUBACK <c>40 (4+n) 00 01 00 n P</c> (PUBREC 50, PUBREL 62, PUBCOMP 70);
/// SUBSCRIBE <c>82 (7+n) 00 01 n P 00 01 61 00</c>; SUBACK <c>90 (4+n) 00 01 n P 00</c>;
/// UNSUBSCRIBE <c>A2 (6+n) 00 01 n P 00 01 61</c>; UNSUBACK <c>B0 (4+n) 00 01 n P 00</c>;
/// DISCONNECT <c>E0 (2+n) 00 n P</c>; AUTH <c>F0 (2+n) 18 n 15 00 01 61 P</c> (Authentication Method "a" first).
/// </remarks>
public static partial class MalformedPacketCorpus
{
    // 5.0 §2.2.2.2: a Property Identifier not in Table 2-4, or a property the packet may not carry, makes the
    // packet malformed: "a Malformed Packet" (no id). The ids 0x00, 0x04-0x07, 0x0A, 0x0C-0x10, 0x14, 0x1B,
    // 0x1D, 0x1E, 0x20 and 0x2B-0x7F are undefined; 0x80 would start a two-byte Variable Byte Integer id.
    private static IEnumerable<MalformedPacketCase> PropertyCases()
    {
        yield return Case("PropertyId_Unknown00_Publish", V5, Any, "30 06 00 01 61 02 00 00", Malformed, NoId);
        yield return Case("PropertyId_Unknown04_Connect", V5, ToServer, "10 0F 00 04 4D 51 54 54 05 02 00 3C 02 04 00 00 00", Malformed, NoId);
        yield return Case("PropertyId_Unknown2B_ConnAck", V5, ToClient, "20 05 00 00 02 2B 01", Malformed, NoId);
        yield return Case("PropertyId_Unknown7F_Disconnect", V5, Any, "E0 03 00 01 7F", Malformed, NoId);
        yield return Case("PropertyId_Unknown2BAfterUserProperty_Subscribe", V5, ToServer, "82 0F 00 01 08 26 00 01 6B 00 01 76 2B 00 01 61 00", Malformed, NoId);
        yield return Case("PropertyId_Unknown05_Will", V5, ToServer, "10 16 00 04 4D 51 54 54 05 06 00 3C 00 00 01 61 02 05 00 00 01 74 00 00", Malformed, NoId);
        yield return Case("PropertyId_TwoByteIdentifier80_PubAck", V5, Any, "40 06 00 01 00 02 80 01", Malformed, NoId);
        yield return Case("PropertyId_Unknown0A_Auth", V5, Any, "F0 07 18 05 15 00 01 61 0A", Malformed, NoId);

        // Table 2-4: each property's packets.
        yield return Case("PropertyNotAllowed_SessionExpiry_Publish", V5, Any, "30 09 00 01 61 05 11 00 00 00 01", Malformed, NoId);
        yield return Case("PropertyNotAllowed_ReasonString_Publish", V5, Any, "30 08 00 01 61 04 1F 00 01 61", Malformed, NoId);
        yield return Case("PropertyNotAllowed_WillDelay_Publish", V5, Any, "30 09 00 01 61 05 18 00 00 00 05", Malformed, NoId);
        yield return Case("PropertyNotAllowed_AuthenticationMethod_Publish", V5, Any, "30 08 00 01 61 04 15 00 01 61", Malformed, NoId);
        yield return Case("PropertyNotAllowed_MaximumQoS_Publish", V5, Any, "30 06 00 01 61 02 24 01", Malformed, NoId);
        yield return Case("PropertyNotAllowed_TopicAlias_Connect", V5, ToServer, "10 10 00 04 4D 51 54 54 05 02 00 3C 03 23 00 01 00 00", Malformed, NoId);
        yield return Case("PropertyNotAllowed_ReasonString_Connect", V5, ToServer, "10 11 00 04 4D 51 54 54 05 02 00 3C 04 1F 00 01 61 00 00", Malformed, NoId);
        yield return Case("PropertyNotAllowed_WillDelay_Connect", V5, ToServer, "10 12 00 04 4D 51 54 54 05 02 00 3C 05 18 00 00 00 05 00 00", Malformed, NoId);
        yield return Case("PropertyNotAllowed_PayloadFormat_Connect", V5, ToServer, "10 0F 00 04 4D 51 54 54 05 02 00 3C 02 01 01 00 00", Malformed, NoId);
        yield return Case("PropertyNotAllowed_AssignedClientId_Connect", V5, ToServer, "10 11 00 04 4D 51 54 54 05 02 00 3C 04 12 00 01 61 00 00", Malformed, NoId);
        yield return Case("PropertyNotAllowed_SessionExpiry_Will", V5, ToServer, "10 19 00 04 4D 51 54 54 05 06 00 3C 00 00 01 61 05 11 00 00 00 05 00 01 74 00 00", Malformed, NoId);
        yield return Case("PropertyNotAllowed_RequestProblemInfo_Will", V5, ToServer, "10 16 00 04 4D 51 54 54 05 06 00 3C 00 00 01 61 02 17 01 00 01 74 00 00", Malformed, NoId);
        yield return Case("PropertyNotAllowed_TopicAlias_Will", V5, ToServer, "10 17 00 04 4D 51 54 54 05 06 00 3C 00 00 01 61 03 23 00 01 00 01 74 00 00", Malformed, NoId);
        yield return Case("PropertyNotAllowed_SubscriptionId_Will", V5, ToServer, "10 16 00 04 4D 51 54 54 05 06 00 3C 00 00 01 61 02 0B 01 00 01 74 00 00", Malformed, NoId);
        yield return Case("PropertyNotAllowed_WillDelay_ConnAck", V5, ToClient, "20 08 00 00 05 18 00 00 00 05", Malformed, NoId);
        yield return Case("PropertyNotAllowed_RequestProblemInfo_ConnAck", V5, ToClient, "20 05 00 00 02 17 01", Malformed, NoId);
        yield return Case("PropertyNotAllowed_TopicAlias_ConnAck", V5, ToClient, "20 06 00 00 03 23 00 01", Malformed, NoId);
        yield return Case("PropertyNotAllowed_ContentType_ConnAck", V5, ToClient, "20 07 00 00 04 03 00 01 61", Malformed, NoId);
        yield return Case("PropertyNotAllowed_ContentType_PubAck", V5, Any, "40 08 00 01 00 04 03 00 01 61", Malformed, NoId);
        yield return Case("PropertyNotAllowed_SubscriptionId_PubRec", V5, Any, "50 06 00 01 00 02 0B 01", Malformed, NoId);
        yield return Case("PropertyNotAllowed_SessionExpiry_PubRel", V5, Any, "62 09 00 01 00 05 11 00 00 00 01", Malformed, NoId);
        yield return Case("PropertyNotAllowed_ServerReference_PubComp", V5, Any, "70 08 00 01 00 04 1C 00 01 73", Malformed, NoId);
        yield return Case("PropertyNotAllowed_ReasonString_Subscribe", V5, ToServer, "82 0B 00 01 04 1F 00 01 61 00 01 61 00", Malformed, NoId);
        yield return Case("PropertyNotAllowed_TopicAlias_Subscribe", V5, ToServer, "82 0A 00 01 03 23 00 01 00 01 61 00", Malformed, NoId);
        yield return Case("PropertyNotAllowed_SubscriptionId_SubAck", V5, ToClient, "90 06 00 01 02 0B 01 00", Malformed, NoId);
        yield return Case("PropertyNotAllowed_SubscriptionId_Unsubscribe", V5, ToServer, "A2 08 00 01 02 0B 01 00 01 61", Malformed, NoId);
        yield return Case("PropertyNotAllowed_ReasonString_Unsubscribe", V5, ToServer, "A2 0A 00 01 04 1F 00 01 61 00 01 61", Malformed, NoId);
        yield return Case("PropertyNotAllowed_ServerReference_UnsubAck", V5, ToClient, "B0 08 00 01 04 1C 00 01 73 00", Malformed, NoId);
        yield return Case("PropertyNotAllowed_MaximumPacketSize_Disconnect", V5, Any, "E0 07 00 05 27 00 00 00 10", Malformed, NoId);
        yield return Case("PropertyNotAllowed_AuthenticationMethod_Disconnect", V5, Any, "E0 06 00 04 15 00 01 61", Malformed, NoId);
        yield return Case("PropertyNotAllowed_TopicAliasMaximum_Disconnect", V5, Any, "E0 05 00 03 22 00 0A", Malformed, NoId);
        yield return Case("PropertyNotAllowed_SessionExpiry_Auth", V5, Any, "F0 0B 18 09 15 00 01 61 11 00 00 00 01", Malformed, NoId);
        yield return Case("PropertyNotAllowed_ServerReference_Auth", V5, Any, "F0 0A 18 08 15 00 01 61 1C 00 01 73", Malformed, NoId);
        yield return Case("PropertyNotAllowed_ReceiveMaximum_Auth", V5, Any, "F0 09 18 07 15 00 01 61 21 00 0A", Malformed, NoId);
    }

    // Each single-valued property's section says "It is a Protocol Error to include <it> more than once" (5.0
    // §3.1.2.11, §3.1.3.2, §3.2.2.3, §3.3.2.3, §3.4.2.2, §3.8.2.1, §3.14.2.2, §3.15.2.2; no id). Only User
    // Property repeats, and Subscription Identifier in a PUBLISH (to a Client); in SUBSCRIBE it is single.
    // The PUBLISH section has no such sentence for Payload Format Indicator and Message Expiry Interval; the
    // codec applies the rule of the Will Properties (the same properties) there too.
    private static IEnumerable<MalformedPacketCase> DuplicatePropertyCases()
    {
        yield return Case("Duplicate_PayloadFormatIndicator_Will", V5, ToServer, "10 18 00 04 4D 51 54 54 05 06 00 3C 00 00 01 61 04 01 00 01 01 00 01 74 00 00", ProtocolError, NoId);
        yield return Case("Duplicate_PayloadFormatIndicator_Publish", V5, Any, "30 08 00 01 61 04 01 00 01 00", ProtocolError, NoId);
        yield return Case("Duplicate_MessageExpiryInterval_Will", V5, ToServer, "10 1E 00 04 4D 51 54 54 05 06 00 3C 00 00 01 61 0A 02 00 00 00 0A 02 00 00 00 0A 00 01 74 00 00", ProtocolError, NoId);
        yield return Case("Duplicate_MessageExpiryInterval_Publish", V5, Any, "30 0E 00 01 61 0A 02 00 00 00 0A 02 00 00 00 0A", ProtocolError, NoId);
        yield return Case("Duplicate_ContentType_Publish", V5, Any, "30 0C 00 01 61 08 03 00 01 61 03 00 01 62", ProtocolError, NoId);
        yield return Case("Duplicate_ContentTypeNotAdjacent_Publish", V5, Any, "30 13 00 01 61 0F 03 00 01 61 26 00 01 6B 00 01 76 03 00 01 62", ProtocolError, NoId);
        yield return Case("Duplicate_ResponseTopic_Publish", V5, Any, "30 0C 00 01 61 08 08 00 01 72 08 00 01 72", ProtocolError, NoId);
        yield return Case("Duplicate_CorrelationData_Publish", V5, Any, "30 0C 00 01 61 08 09 00 01 01 09 00 01 02", ProtocolError, NoId);
        yield return Case("Duplicate_SubscriptionIdentifier_Subscribe", V5, ToServer, "82 0B 00 01 04 0B 01 0B 02 00 01 61 00", ProtocolError, NoId);
        yield return Case("Duplicate_SessionExpiryInterval_Connect", V5, ToServer, "10 17 00 04 4D 51 54 54 05 02 00 3C 0A 11 00 00 00 0A 11 00 00 00 0A 00 00", ProtocolError, NoId);
        yield return Case("Duplicate_SessionExpiryInterval_Disconnect", V5, ToServer, "E0 0C 00 0A 11 00 00 00 00 11 00 00 00 00", ProtocolError, NoId);
        yield return Case("Duplicate_AssignedClientIdentifier_ConnAck", V5, ToClient, "20 0B 00 00 08 12 00 01 61 12 00 01 62", ProtocolError, NoId);
        yield return Case("Duplicate_ServerKeepAlive_ConnAck", V5, ToClient, "20 09 00 00 06 13 00 0A 13 00 0A", ProtocolError, NoId);
        yield return Case("Duplicate_AuthenticationMethod_Auth", V5, Any, "F0 0A 18 08 15 00 01 61 15 00 01 62", ProtocolError, NoId);
        yield return Case("Duplicate_AuthenticationData_Connect", V5, ToServer, "10 19 00 04 4D 51 54 54 05 02 00 3C 0C 15 00 01 61 16 00 01 01 16 00 01 02 00 00", ProtocolError, NoId);
        yield return Case("Duplicate_RequestProblemInformation_Connect", V5, ToServer, "10 11 00 04 4D 51 54 54 05 02 00 3C 04 17 01 17 01 00 00", ProtocolError, NoId);
        yield return Case("Duplicate_WillDelayInterval_Will", V5, ToServer, "10 1E 00 04 4D 51 54 54 05 06 00 3C 00 00 01 61 0A 18 00 00 00 05 18 00 00 00 05 00 01 74 00 00", ProtocolError, NoId);
        yield return Case("Duplicate_RequestResponseInformation_Connect", V5, ToServer, "10 11 00 04 4D 51 54 54 05 02 00 3C 04 19 01 19 00 00 00", ProtocolError, NoId);
        yield return Case("Duplicate_ResponseInformation_ConnAck", V5, ToClient, "20 0B 00 00 08 1A 00 01 61 1A 00 01 61", ProtocolError, NoId);
        yield return Case("Duplicate_ServerReference_Disconnect", V5, ToClient, "E0 0A 9C 08 1C 00 01 73 1C 00 01 73", ProtocolError, NoId);
        yield return Case("Duplicate_ReasonString_PubAck", V5, Any, "40 0C 00 01 00 08 1F 00 01 61 1F 00 01 62", ProtocolError, NoId);
        yield return Case("Duplicate_ReceiveMaximum_Connect", V5, ToServer, "10 13 00 04 4D 51 54 54 05 02 00 3C 06 21 00 0A 21 00 0A 00 00", ProtocolError, NoId);
        yield return Case("Duplicate_TopicAliasMaximum_ConnAck", V5, ToClient, "20 09 00 00 06 22 00 0A 22 00 0A", ProtocolError, NoId);
        yield return Case("Duplicate_TopicAlias_Publish", V5, Any, "30 0A 00 01 61 06 23 00 01 23 00 02", ProtocolError, NoId);
        yield return Case("Duplicate_MaximumQoS_ConnAck", V5, ToClient, "20 07 00 00 04 24 01 24 01", ProtocolError, NoId);
        yield return Case("Duplicate_RetainAvailable_ConnAck", V5, ToClient, "20 07 00 00 04 25 01 25 00", ProtocolError, NoId);
        yield return Case("Duplicate_MaximumPacketSize_Connect", V5, ToServer, "10 17 00 04 4D 51 54 54 05 02 00 3C 0A 27 00 00 10 00 27 00 00 10 00 00 00", ProtocolError, NoId);
        yield return Case("Duplicate_WildcardSubscriptionAvailable_ConnAck", V5, ToClient, "20 07 00 00 04 28 01 28 01", ProtocolError, NoId);
        yield return Case("Duplicate_SubscriptionIdentifierAvailable_ConnAck", V5, ToClient, "20 07 00 00 04 29 00 29 00", ProtocolError, NoId);
        yield return Case("Duplicate_SharedSubscriptionAvailable_ConnAck", V5, ToClient, "20 07 00 00 04 2A 01 2A 01", ProtocolError, NoId);
    }

    // Value rules, each stated in the property's section (no ids unless given): Request Problem / Response
    // Information, Maximum QoS and the four "Available" flags are 0 or 1, Receive Maximum and Maximum Packet
    // Size are not 0, a Subscription Identifier is 1..268,435,455: Protocol Error. Payload Format Indicator has
    // only 0 and 1 defined (the codec treats other values alike). Topic Alias 0 [MQTT-3.3.2-8]: the receiver
    // answers 0x94 Topic Alias invalid (§3.3.2.3.4). Response Topic has no wildcards [MQTT-3.3.2-14]; the codec
    // answers 0x82 as for the other topic rules (docs/mqtt-codec.md). AUTH
    // without Authentication Method (§3.15.2.2.2): Protocol Error.
    private static IEnumerable<MalformedPacketCase> PropertyValueCases()
    {
        yield return Case("Value_PayloadFormatIndicator2_Publish", V5, Any, "30 06 00 01 61 02 01 02", ProtocolError, NoId);
        yield return Case("Value_PayloadFormatIndicatorFF_Will", V5, ToServer, "10 16 00 04 4D 51 54 54 05 06 00 3C 00 00 01 61 02 01 FF 00 01 74 00 00", ProtocolError, NoId);
        yield return Case("Value_RequestProblemInformation2_Connect", V5, ToServer, "10 0F 00 04 4D 51 54 54 05 02 00 3C 02 17 02 00 00", ProtocolError, NoId);
        yield return Case("Value_RequestResponseInformation2_Connect", V5, ToServer, "10 0F 00 04 4D 51 54 54 05 02 00 3C 02 19 02 00 00", ProtocolError, NoId);
        yield return Case("Value_MaximumQoS2_ConnAck", V5, ToClient, "20 05 00 00 02 24 02", ProtocolError, NoId);
        yield return Case("Value_RetainAvailable2_ConnAck", V5, ToClient, "20 05 00 00 02 25 02", ProtocolError, NoId);
        yield return Case("Value_WildcardSubscriptionAvailable2_ConnAck", V5, ToClient, "20 05 00 00 02 28 02", ProtocolError, NoId);
        yield return Case("Value_SubscriptionIdentifierAvailable2_ConnAck", V5, ToClient, "20 05 00 00 02 29 02", ProtocolError, NoId);
        yield return Case("Value_SharedSubscriptionAvailableFF_ConnAck", V5, ToClient, "20 05 00 00 02 2A FF", ProtocolError, NoId);
        yield return Case("Value_ReceiveMaximum0_Connect", V5, ToServer, "10 10 00 04 4D 51 54 54 05 02 00 3C 03 21 00 00 00 00", ProtocolError, NoId);
        yield return Case("Value_ReceiveMaximum0_ConnAck", V5, ToClient, "20 06 00 00 03 21 00 00", ProtocolError, NoId);
        yield return Case("Value_MaximumPacketSize0_Connect", V5, ToServer, "10 12 00 04 4D 51 54 54 05 02 00 3C 05 27 00 00 00 00 00 00", ProtocolError, NoId);
        yield return Case("Value_MaximumPacketSize0_ConnAck", V5, ToClient, "20 08 00 00 05 27 00 00 00 00", ProtocolError, NoId);
        yield return Case("Value_TopicAlias0_Publish", V5, ToServer, "30 07 00 01 61 03 23 00 00", ReasonCode.TopicAliasInvalid, "MQTT-3.3.2-8");
        yield return Case("Value_TopicAlias0WithEmptyTopic_Publish", V5, ToClient, "30 06 00 00 03 23 00 00", ReasonCode.TopicAliasInvalid, "MQTT-3.3.2-8");
        yield return Case("Value_SubscriptionIdentifier0_Subscribe", V5, ToServer, "82 09 00 01 02 0B 00 00 01 61 00", ProtocolError, NoId);
        yield return Case("Value_SubscriptionIdentifier0_PublishFromServer", V5, ToClient, "30 06 00 01 61 02 0B 00", ProtocolError, NoId);
        yield return Case("Value_ResponseTopicSingleLevelWildcard_Publish", V5, Any, "30 0A 00 01 61 06 08 00 03 72 2F 2B", ProtocolError, "MQTT-3.3.2-14");
        yield return Case("Value_ResponseTopicMultiLevelWildcard_Publish", V5, Any, "30 08 00 01 61 04 08 00 01 23", ProtocolError, "MQTT-3.3.2-14");
        yield return Case("Value_ResponseTopicWildcard_Will", V5, ToServer, "10 18 00 04 4D 51 54 54 05 06 00 3C 00 00 01 61 04 08 00 01 2B 00 01 74 00 00", ProtocolError, "MQTT-3.3.2-14");

        // The Response Topic is the Topic Name of the response (§3.3.2.3.5), so it has a character [MQTT-4.7.3-1].
        yield return Case("Value_ResponseTopicEmpty_Publish", V5, Any, "30 07 00 01 61 03 08 00 00", ProtocolError, "MQTT-4.7.3-1");
        yield return Case("Value_ResponseTopicEmpty_Will", V5, ToServer, "10 17 00 04 4D 51 54 54 05 06 00 3C 00 00 01 61 03 08 00 00 00 01 74 00 00", ProtocolError, "MQTT-4.7.3-1");
        yield return Case("Value_AuthWithoutMethod", V5, Any, "F0 02 18 00", ProtocolError, NoId);
        yield return Case("Value_AuthWithoutMethodWithReasonString", V5, Any, "F0 06 18 04 1F 00 01 61", ProtocolError, NoId);
        yield return Case("Value_AuthDataWithoutMethod_Auth", V5, Any, "F0 06 18 04 16 00 01 01", ProtocolError, NoId);
        yield return Case("Value_AuthReasonCodeOnly", V5, ToClient, "F0 01 18", ProtocolError, NoId);
    }

    // 5.0 §3.1.2.11.4 / §3.2.2.3.6: a packet larger than the Maximum Packet Size the receiver announced is a
    // Protocol Error answered with 0x95 Packet too large [MQTT-3.2.2-15], [MQTT-3.1.2-24] (those ids bind the
    // sender, so the receiver's error has none). Packet size = fixed header + Remaining Length (§2.1.4). The
    // frame reader refuses as soon as the Remaining Length is known, without waiting for the body.
    private static IEnumerable<MalformedPacketCase> PacketSizeCases()
    {
        yield return new("Framing_PacketTooLarge_Publish", V5, ToServer, "30 0B 00 03 61 2F 62 00 68 65 6C 6C 6F", ReasonCode.PacketTooLarge, NoId, MaximumPacketSize: 12);
        yield return new("Framing_PacketTooLarge_Connect", V5, ToServer, "10 0D 00 04 4D 51 54 54 05 02 00 3C 00 00 00", ReasonCode.PacketTooLarge, NoId, MaximumPacketSize: 14);
        yield return new("Framing_PacketTooLarge_SubAck", V5, ToClient, "90 05 00 01 00 00 01", ReasonCode.PacketTooLarge, NoId, MaximumPacketSize: 6);
        yield return new("Framing_PacketTooLarge_PubAck_V311", V3, ToServer, "40 02 00 01", ReasonCode.PacketTooLarge, NoId, MaximumPacketSize: 3);
        yield return new("Framing_PacketTooLargeOnlyFixedHeaderReceived", V5, ToServer, "30 E8 07", ReasonCode.PacketTooLarge, NoId, MaximumPacketSize: 100);
        yield return new("Framing_PacketTooLargeMaximumRemainingLength", V5, ToServer, "30 FF FF FF 7F", ReasonCode.PacketTooLarge, NoId, MaximumPacketSize: 1_048_576);
    }
}
