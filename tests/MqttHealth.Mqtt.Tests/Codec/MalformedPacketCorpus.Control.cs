using MqttHealth.Mqtt.Protocol;

namespace MqttHealth.Mqtt.Tests.Codec;

/// <summary>CONNECT and CONNACK fields, reason codes a packet may not carry, and packets the sender may not send.</summary>
public static partial class MalformedPacketCorpus
{
    private static IEnumerable<MalformedPacketCase> ConnectCases()
    {
        // 5.0 §3.1.2.1 [MQTT-3.1.2-1]: the Protocol Name is "MQTT"; the Server MAY answer CONNACK 0x84
        // (Unsupported Protocol Version). 3.1.1 [MQTT-3.1.2-1]: it MAY disconnect.
        yield return Case("Connect_ProtocolNameMqtx", V5, ToServer, "10 0D 00 04 4D 51 54 58 05 02 00 3C 00 00 00", ReasonCode.UnsupportedProtocolVersion, "MQTT-3.1.2-1");
        yield return Case("Connect_ProtocolNameLowerCase_V311", V3, ToServer, "10 0C 00 04 6D 71 74 74 04 02 00 3C 00 00", ReasonCode.UnsupportedProtocolVersion, "MQTT-3.1.2-1");
        yield return Case("Connect_ProtocolNameEmpty", V5, ToServer, "10 09 00 00 05 02 00 3C 00 00 00", ReasonCode.UnsupportedProtocolVersion, "MQTT-3.1.2-1");

        // 5.0 §3.1.2.2 [MQTT-3.1.2-2] (3.1.1 [MQTT-3.1.2-2], return code 0x01): a level other than 4 and 5.
        // "MQIsdp" with level 3 is MQTT 3.1, which this codec does not speak.
        yield return Case("Connect_MQIsdpLevel3", V3, ToServer, "10 0E 00 06 4D 51 49 73 64 70 03 02 00 3C 00 00", ReasonCode.UnsupportedProtocolVersion, "MQTT-3.1.2-2");
        yield return Case("Connect_ProtocolLevel3", V3, ToServer, "10 0C 00 04 4D 51 54 54 03 02 00 3C 00 00", ReasonCode.UnsupportedProtocolVersion, "MQTT-3.1.2-2");
        yield return Case("Connect_ProtocolLevel6", V5, ToServer, "10 0D 00 04 4D 51 54 54 06 02 00 3C 00 00 00", ReasonCode.UnsupportedProtocolVersion, "MQTT-3.1.2-2");
        yield return Case("Connect_ProtocolLevel0", V5, ToServer, "10 0D 00 04 4D 51 54 54 00 02 00 3C 00 00 00", ReasonCode.UnsupportedProtocolVersion, "MQTT-3.1.2-2");

        // 5.0 §3.1.2.3 [MQTT-3.1.2-3] (3.1.1 [MQTT-3.1.2-3]): Connect Flags bit 0 is reserved and 0; Malformed.
        yield return Case("Connect_ReservedFlag", V5, ToServer, "10 0D 00 04 4D 51 54 54 05 03 00 3C 00 00 00", Malformed, "MQTT-3.1.2-3");
        yield return Case("Connect_ReservedFlag_V311", V3, ToServer, "10 0C 00 04 4D 51 54 54 04 01 00 3C 00 00", Malformed, "MQTT-3.1.2-3");

        // 5.0 §3.1.2.6 [MQTT-3.1.2-11] (3.1.1 [MQTT-3.1.2-13]): Will QoS 0 when the Will Flag is 0.
        // 5.0 §3.1.2.7 [MQTT-3.1.2-13] (3.1.1 [MQTT-3.1.2-15]): Will Retain 0 when the Will Flag is 0.
        // No code named; Malformed, as for the other invalid flag combinations (docs/mqtt-codec.md).
        yield return Case("Connect_WillQoS1WithoutWillFlag", V5, ToServer, "10 0D 00 04 4D 51 54 54 05 0A 00 3C 00 00 00", Malformed, "MQTT-3.1.2-11");
        yield return Case("Connect_WillQoS2WithoutWillFlag_V311", V3, ToServer, "10 0C 00 04 4D 51 54 54 04 12 00 3C 00 00", Malformed, "MQTT-3.1.2-13");
        yield return Case("Connect_WillRetainWithoutWillFlag", V5, ToServer, "10 0D 00 04 4D 51 54 54 05 22 00 3C 00 00 00", Malformed, "MQTT-3.1.2-13");
        yield return Case("Connect_WillRetainWithoutWillFlag_V311", V3, ToServer, "10 0C 00 04 4D 51 54 54 04 22 00 3C 00 00", Malformed, "MQTT-3.1.2-15");

        // 5.0 §3.1.2.6 [MQTT-3.1.2-12] (3.1.1 [MQTT-3.1.2-14]): Will QoS 3 is not allowed; Malformed.
        // Flags 1E: Will QoS 3, Will Flag, Clean Start; Client Identifier "a", Will Topic "t", Will Payload empty.
        yield return Case("Connect_WillQoS3", V5, ToServer, "10 14 00 04 4D 51 54 54 05 1E 00 3C 00 00 01 61 00 00 01 74 00 00", Malformed, "MQTT-3.1.2-12");
        yield return Case("Connect_WillQoS3_V311", V3, ToServer, "10 12 00 04 4D 51 54 54 04 1E 00 3C 00 01 61 00 01 74 00 00", Malformed, "MQTT-3.1.2-14");

        // 3.1.1 §3.1.2.9 [MQTT-3.1.2-22]: no Password without a User Name (5.0 §3.1.2.9 allows it). Flags 42.
        yield return Case("Connect_PasswordWithoutUserName_V311", V3, ToServer, "10 10 00 04 4D 51 54 54 04 42 00 3C 00 01 61 00 01 70", Malformed, "MQTT-3.1.2-22");

        // 5.0 §3.1.2.11.10: Authentication Data without an Authentication Method is a Protocol Error (no id).
        yield return Case("Connect_AuthenticationDataWithoutMethod", V5, ToServer, "10 11 00 04 4D 51 54 54 05 02 00 3C 04 16 00 01 01 00 00", ProtocolError, NoId);
    }

    private static IEnumerable<MalformedPacketCase> ConnAckCases()
    {
        // 5.0 §3.2.2.1 [MQTT-3.2.2-1] (3.1.1 §3.2.2.1, no id): bits 7-1 of the Connect Acknowledge Flags are 0.
        yield return Case("ConnAck_ReservedFlagBit1", V5, ToClient, "20 03 02 00 00", Malformed, "MQTT-3.2.2-1");
        yield return Case("ConnAck_ReservedFlagBit7SessionPresent", V5, ToClient, "20 03 81 00 00", Malformed, "MQTT-3.2.2-1");
        yield return Case("ConnAck_ReservedFlagBit7_V311", V3, ToClient, "20 02 80 00", Malformed, NoId);

        // 5.0 §3.2.2.1.1 [MQTT-3.2.2-6] (3.1.1 [MQTT-3.2.2-4]): Session Present is 0 when the code is a refusal.
        yield return Case("ConnAck_SessionPresentWithFailure", V5, ToClient, "20 03 01 87 00", ProtocolError, "MQTT-3.2.2-6");
        yield return Case("ConnAck_SessionPresentWithFailure_V311", V3, ToClient, "20 02 01 05", ProtocolError, "MQTT-3.2.2-4");

        // 5.0 §3.2.2.2 [MQTT-3.2.2-8]: the Connect Reason Code is one of Table 3-1. 3.1.1 Table 3.1: return codes
        // 6-255 are reserved (no id). A value the packet may not carry is a Protocol Error (docs/mqtt-codec.md).
        yield return Case("ConnAck_ReasonCode01", V5, ToClient, "20 03 00 01 00", ProtocolError, "MQTT-3.2.2-8");
        yield return Case("ConnAck_ReasonCode8BServerShuttingDown", V5, ToClient, "20 03 00 8B 00", ProtocolError, "MQTT-3.2.2-8");
        yield return Case("ConnAck_ReasonCodeFF", V5, ToClient, "20 03 00 FF 00", ProtocolError, "MQTT-3.2.2-8");
        yield return Case("ConnAck_ReturnCode6_V311", V3, ToClient, "20 02 00 06", ProtocolError, NoId);
        yield return Case("ConnAck_ReturnCode80_V311", V3, ToClient, "20 02 00 80", ProtocolError, NoId);
    }

    // Each packet's reason codes are listed in its table: 5.0 §3.4.2.1 Table 3-4 [MQTT-3.4.2-1], §3.5.2.1
    // [MQTT-3.5.2-1], §3.6.2.1 [MQTT-3.6.2-1], §3.7.2.1 [MQTT-3.7.2-1], §3.9.3 Table 3-8 [MQTT-3.9.3-2] (3.1.1
    // [MQTT-3.9.3-2]: only 00, 01, 02, 80), §3.11.3 Table 3-9 [MQTT-3.11.3-2], §3.14.2.1 Table 3-10
    // [MQTT-3.14.2-1] and §3.15.2.1 Table 3-11 [MQTT-3.15.2-1], including who may send which AUTH code. Protocol
    // Error (docs/mqtt-codec.md).
    private static IEnumerable<MalformedPacketCase> ReasonCodeCases()
    {
        yield return Case("ReasonCode_PubAck92", V5, Any, "40 03 00 01 92", ProtocolError, "MQTT-3.4.2-1");
        yield return Case("ReasonCode_PubAck01WithProperties", V5, Any, "40 04 00 01 01 00", ProtocolError, "MQTT-3.4.2-1");
        yield return Case("ReasonCode_PubRec92", V5, Any, "50 03 00 01 92", ProtocolError, "MQTT-3.5.2-1");
        yield return Case("ReasonCode_PubRec04", V5, Any, "50 03 00 01 04", ProtocolError, "MQTT-3.5.2-1");
        yield return Case("ReasonCode_PubRel10", V5, Any, "62 03 00 01 10", ProtocolError, "MQTT-3.6.2-1");
        yield return Case("ReasonCode_PubRel80WithProperties", V5, Any, "62 04 00 01 80 00", ProtocolError, "MQTT-3.6.2-1");
        yield return Case("ReasonCode_PubComp80", V5, Any, "70 03 00 01 80", ProtocolError, "MQTT-3.7.2-1");
        yield return Case("ReasonCode_PubComp91", V5, Any, "70 03 00 01 91", ProtocolError, "MQTT-3.7.2-1");
        yield return Case("ReasonCode_SubAck03", V5, ToClient, "90 04 00 01 00 03", ProtocolError, "MQTT-3.9.3-2");
        yield return Case("ReasonCode_SubAckSecondCode11", V5, ToClient, "90 05 00 01 00 00 11", ProtocolError, "MQTT-3.9.3-2");
        yield return Case("ReasonCode_SubAck03_V311", V3, ToClient, "90 03 00 01 03", ProtocolError, "MQTT-3.9.3-2");
        yield return Case("ReasonCode_SubAck8FOnlyInV5_V311", V3, ToClient, "90 03 00 01 8F", ProtocolError, "MQTT-3.9.3-2");
        yield return Case("ReasonCode_SubAckSecondCode87_V311", V3, ToClient, "90 04 00 01 01 87", ProtocolError, "MQTT-3.9.3-2");
        yield return Case("ReasonCode_UnsubAck02", V5, ToClient, "B0 04 00 01 00 02", ProtocolError, "MQTT-3.11.3-2");
        yield return Case("ReasonCode_UnsubAck10", V5, ToClient, "B0 05 00 01 00 00 10", ProtocolError, "MQTT-3.11.3-2");
        yield return Case("ReasonCode_Disconnect01", V5, Any, "E0 01 01", ProtocolError, "MQTT-3.14.2-1");

        // Table 2-6 lists 0x8C Bad authentication method for DISCONNECT, Table 3-10 does not: the packet's own table wins.
        yield return Case("ReasonCode_Disconnect8C", V5, Any, "E0 01 8C", ProtocolError, "MQTT-3.14.2-1");
        yield return Case("ReasonCode_Disconnect84WithProperties", V5, Any, "E0 02 84 00", ProtocolError, "MQTT-3.14.2-1");
        yield return Case("ReasonCode_Auth01", V5, Any, "F0 07 01 05 15 00 02 61 62", ProtocolError, "MQTT-3.15.2-1");
        yield return Case("ReasonCode_Auth87", V5, Any, "F0 07 87 05 15 00 02 61 62", ProtocolError, "MQTT-3.15.2-1");
        yield return Case("ReasonCode_AuthSuccessFromClient", V5, ToServer, "F0 07 00 05 15 00 02 61 62", ProtocolError, "MQTT-3.15.2-1");
        yield return Case("ReasonCode_AuthShortFormFromClient", V5, ToServer, "F0 00", ProtocolError, "MQTT-3.15.2-1");
        yield return Case("ReasonCode_AuthReauthenticateFromServer", V5, ToClient, "F0 07 19 05 15 00 02 61 62", ProtocolError, "MQTT-3.15.2-1");
    }

    // Who sends what (5.0 §2.1.2 Table 2-1 "Direction of flow"; 3.1.1 §2.2.1 Table 2.1, where DISCONNECT is
    // Client to Server only). A packet the sender may not send is a Protocol Error (no id). The DISCONNECT
    // codes of Table 3-10 have a "Sent by" column [MQTT-3.14.2-1]; 5.0 §3.14.2.2.2 [MQTT-3.14.2-2]: no Session
    // Expiry Interval in a Server's DISCONNECT; 5.0 §3.3.4 [MQTT-3.3.4-6]: no Subscription Identifier in a
    // Client's PUBLISH.
    private static IEnumerable<MalformedPacketCase> DirectionCases()
    {
        yield return Case("Direction_ConnAckFromClient", V5, ToServer, "20 03 00 00 00", ProtocolError, NoId);
        yield return Case("Direction_ConnAckFromClient_V311", V3, ToServer, "20 02 00 00", ProtocolError, NoId);
        yield return Case("Direction_SubAckFromClient", V5, ToServer, "90 04 00 01 00 00", ProtocolError, NoId);
        yield return Case("Direction_SubAckFromClient_V311", V3, ToServer, "90 03 00 01 00", ProtocolError, NoId);
        yield return Case("Direction_UnsubAckFromClient", V5, ToServer, "B0 04 00 01 00 00", ProtocolError, NoId);
        yield return Case("Direction_UnsubAckFromClient_V311", V3, ToServer, "B0 02 00 01", ProtocolError, NoId);
        yield return Case("Direction_PingRespFromClient", V5, ToServer, "D0 00", ProtocolError, NoId);
        yield return Case("Direction_PingRespFromClient_V311", V3, ToServer, "D0 00", ProtocolError, NoId);
        yield return Case("Direction_ConnectFromServer", V5, ToClient, "10 0D 00 04 4D 51 54 54 05 02 00 3C 00 00 00", ProtocolError, NoId);
        yield return Case("Direction_ConnectFromServer_V311", V3, ToClient, "10 0C 00 04 4D 51 54 54 04 02 00 3C 00 00", ProtocolError, NoId);
        yield return Case("Direction_SubscribeFromServer", V5, ToClient, "82 07 00 01 00 00 01 61 00", ProtocolError, NoId);
        yield return Case("Direction_SubscribeFromServer_V311", V3, ToClient, "82 06 00 01 00 01 61 00", ProtocolError, NoId);
        yield return Case("Direction_UnsubscribeFromServer", V5, ToClient, "A2 06 00 01 00 00 01 61", ProtocolError, NoId);
        yield return Case("Direction_UnsubscribeFromServer_V311", V3, ToClient, "A2 05 00 01 00 01 61", ProtocolError, NoId);
        yield return Case("Direction_PingReqFromServer", V5, ToClient, "C0 00", ProtocolError, NoId);
        yield return Case("Direction_PingReqFromServer_V311", V3, ToClient, "C0 00", ProtocolError, NoId);
        yield return Case("Direction_DisconnectFromServer_V311", V3, ToClient, "E0 00", ProtocolError, NoId);

        yield return Case("Direction_DisconnectServerShuttingDownFromClient", V5, ToServer, "E0 01 8B", ProtocolError, "MQTT-3.14.2-1");
        yield return Case("Direction_DisconnectSessionTakenOverFromClient", V5, ToServer, "E0 02 8E 00", ProtocolError, "MQTT-3.14.2-1");
        yield return Case("Direction_DisconnectUseAnotherServerFromClient", V5, ToServer, "E0 01 9C", ProtocolError, "MQTT-3.14.2-1");
        yield return Case("Direction_DisconnectWithWillMessageFromServer", V5, ToClient, "E0 01 04", ProtocolError, "MQTT-3.14.2-1");
        yield return Case("Direction_DisconnectSessionExpiryFromServer", V5, ToClient, "E0 07 00 05 11 00 00 00 0A", ProtocolError, "MQTT-3.14.2-2");
        yield return Case("Direction_PublishSubscriptionIdFromClient", V5, ToServer, "30 06 00 01 61 02 0B 01", ProtocolError, "MQTT-3.3.4-6");
        yield return Case("Direction_PublishQoS1SubscriptionIdFromClient", V5, ToServer, "32 09 00 01 61 00 05 03 0B 80 01", ProtocolError, "MQTT-3.3.4-6");
    }
}
