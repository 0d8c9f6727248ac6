using MqttHealth.Mqtt.Codec;
using MqttHealth.Mqtt.Protocol;

namespace MqttHealth.Mqtt.Tests.Codec;

/// <summary>
/// Hand-written packets that break one rule each, with the reason code and normative id the decoder must
/// report. The bytes are spelled out in hex (never produced by our encoder) and each group cites the spec
/// section it tests. The groups are spread over MalformedPacketCorpus.*.cs by area.
/// <para>
/// Naming: a case whose name starts with <c>Framing_</c> is about the fixed header's Remaining Length or the
/// packet size, and is rejected by the frame reader; its bytes need not agree with its Remaining Length. A
/// case whose name starts with <c>Truncated_</c> declares a field longer than the bytes left. Every other
/// case is exactly one complete packet whose Remaining Length matches its bytes, and whose error is not a
/// truncation (MalformedPacketTests checks all three claims).
/// </para>
/// <para>
/// On a 3.1.1 connection the expected id is the 3.1.1 statement of the rule (3.1.1 numbers them differently,
/// e.g. MQTT-2.2.2-1 for reserved flags), or "" where 3.1.1 states the rule without an id. The frame reader
/// runs before the version is known and keeps the 5.0 id [MQTT-1.5.5-1], so the Remaining Length cases are
/// written for 5.0 only.
/// </para>
/// </summary>
public static partial class MalformedPacketCorpus
{
    private const MqttProtocolVersion V3 = MqttProtocolVersion.V311;
    private const MqttProtocolVersion V5 = MqttProtocolVersion.V500;
    private const PacketDirection Any = PacketDirection.Unspecified;
    private const PacketDirection ToServer = PacketDirection.ClientToServer;
    private const PacketDirection ToClient = PacketDirection.ServerToClient;
    private const ReasonCode Malformed = ReasonCode.MalformedPacket;
    private const ReasonCode ProtocolError = ReasonCode.ProtocolError;
    private const string NoId = "";

    private static readonly Lazy<IReadOnlyList<MalformedPacketCase>> LazyCases = new(Build);
    private static readonly Lazy<Dictionary<string, MalformedPacketCase>> LazyByName =
        new(() => LazyCases.Value.ToDictionary(c => c.Name, StringComparer.Ordinal));

    /// <summary>Every case, in the order of the groups.</summary>
    public static IReadOnlyList<MalformedPacketCase> Cases => LazyCases.Value;

    /// <summary>xunit MemberData: the case names (a name is serializable, so every case is its own test).</summary>
    public static TheoryData<string> Names
    {
        get
        {
            var data = new TheoryData<string>();
            foreach (MalformedPacketCase c in Cases)
            {
                data.Add(c.Name);
            }

            return data;
        }
    }

    public static MalformedPacketCase Get(string name) => LazyByName.Value[name];

    /// <summary>The case is about the fixed header's Remaining Length or the packet size (see the class remarks).</summary>
    public static bool IsAboutFraming(MalformedPacketCase c) => c.Name.StartsWith("Framing_", StringComparison.Ordinal);

    /// <summary>The case declares a field longer than the bytes that are left.</summary>
    public static bool IsAboutTruncation(MalformedPacketCase c) => c.Name.StartsWith("Truncated_", StringComparison.Ordinal);

    private static List<MalformedPacketCase> Build() =>
    [
        .. FixedHeaderCases(),
        .. FramingCases(),
        .. VariableByteIntegerCases(),
        .. TruncationCases(),
        .. TrailingByteCases(),
        .. Utf8Cases(),
        .. TopicCases(),
        .. SubscribeCases(),
        .. PacketIdentifierCases(),
        .. PublishFlagCases(),
        .. ConnectCases(),
        .. ConnAckCases(),
        .. ReasonCodeCases(),
        .. DirectionCases(),
        .. PropertyCases(),
        .. DuplicatePropertyCases(),
        .. PropertyValueCases(),
        .. PacketSizeCases(),
    ];

    private static MalformedPacketCase Case(
        string name, MqttProtocolVersion version, PacketDirection direction, string hex, ReasonCode reasonCode, string normativeId) =>
        new(name, version, direction, hex, reasonCode, normativeId);

    // 5.0 §2.1.3 Table 2-2 [MQTT-2.1.3-1] (3.1.1 §2.2.2 Table 2.2 [MQTT-2.2.2-1]): the flags of every type but
    // PUBLISH are fixed, 0010 for PUBREL, SUBSCRIBE and UNSUBSCRIBE and 0000 for the others. PUBREL, SUBSCRIBE,
    // UNSUBSCRIBE (both versions), DISCONNECT (both) and AUTH restate the rule under their own ids
    // [MQTT-3.6.1-1], [MQTT-3.8.1-1], [MQTT-3.10.1-1], [MQTT-3.14.1-1], [MQTT-3.15.1-1]. Malformed Packet.
    // Table 2-1: packet type 0 is reserved (forbidden), and 15 is reserved in 3.1.1 (AUTH is 5.0 only); no id.
    // The bodies are valid, so only the first byte is wrong.
    private static IEnumerable<MalformedPacketCase> FixedHeaderCases()
    {
        // CONNECT: 00 04 "MQTT", level, flags 02, keep alive 60, (5.0: Property Length 0), Client Identifier "".
        yield return Case("FixedHeader_Connect_Flags1_V5", V5, Any, "11 0D 00 04 4D 51 54 54 05 02 00 3C 00 00 00", Malformed, "MQTT-2.1.3-1");
        yield return Case("FixedHeader_Connect_Flags8_V311", V3, Any, "18 0C 00 04 4D 51 54 54 04 02 00 3C 00 00", Malformed, "MQTT-2.2.2-1");
        yield return Case("FixedHeader_ConnAck_Flags1_V5", V5, Any, "21 03 00 00 00", Malformed, "MQTT-2.1.3-1");
        yield return Case("FixedHeader_ConnAck_Flags2_V311", V3, Any, "22 02 00 00", Malformed, "MQTT-2.2.2-1");
        yield return Case("FixedHeader_PubAck_Flags8_V5", V5, Any, "48 03 00 01 00", Malformed, "MQTT-2.1.3-1");
        yield return Case("FixedHeader_PubAck_Flags1_V311", V3, Any, "41 02 00 01", Malformed, "MQTT-2.2.2-1");
        yield return Case("FixedHeader_PubRec_Flags4_V5", V5, Any, "54 02 00 01", Malformed, "MQTT-2.1.3-1");
        yield return Case("FixedHeader_PubRec_Flags2_V311", V3, Any, "52 02 00 01", Malformed, "MQTT-2.2.2-1");
        yield return Case("FixedHeader_PubRel_Flags0_V5", V5, Any, "60 02 00 01", Malformed, "MQTT-3.6.1-1");
        yield return Case("FixedHeader_PubRel_Flags3_V311", V3, Any, "63 02 00 01", Malformed, "MQTT-3.6.1-1");
        yield return Case("FixedHeader_PubComp_Flags1_V5", V5, Any, "71 02 00 01", Malformed, "MQTT-2.1.3-1");
        yield return Case("FixedHeader_PubComp_FlagsF_V311", V3, Any, "7F 02 00 01", Malformed, "MQTT-2.2.2-1");

        // SUBSCRIBE: Packet Identifier 1, (Property Length 0), filter "a", options 00.
        yield return Case("FixedHeader_Subscribe_Flags0_V5", V5, Any, "80 07 00 01 00 00 01 61 00", Malformed, "MQTT-3.8.1-1");
        yield return Case("FixedHeader_Subscribe_Flags3_V311", V3, Any, "83 06 00 01 00 01 61 00", Malformed, "MQTT-3.8.1-1");
        yield return Case("FixedHeader_SubAck_Flags8_V5", V5, Any, "98 04 00 01 00 00", Malformed, "MQTT-2.1.3-1");
        yield return Case("FixedHeader_SubAck_Flags1_V311", V3, Any, "91 03 00 01 00", Malformed, "MQTT-2.2.2-1");
        yield return Case("FixedHeader_Unsubscribe_Flags0_V5", V5, Any, "A0 06 00 01 00 00 01 61", Malformed, "MQTT-3.10.1-1");
        yield return Case("FixedHeader_Unsubscribe_Flags6_V311", V3, Any, "A6 05 00 01 00 01 61", Malformed, "MQTT-3.10.1-1");
        yield return Case("FixedHeader_UnsubAck_Flags1_V5", V5, Any, "B1 04 00 01 00 00", Malformed, "MQTT-2.1.3-1");
        yield return Case("FixedHeader_UnsubAck_Flags2_V311", V3, Any, "B2 02 00 01", Malformed, "MQTT-2.2.2-1");
        yield return Case("FixedHeader_PingReq_Flags1_V5", V5, Any, "C1 00", Malformed, "MQTT-2.1.3-1");
        yield return Case("FixedHeader_PingReq_Flags8_V311", V3, Any, "C8 00", Malformed, "MQTT-2.2.2-1");
        yield return Case("FixedHeader_PingResp_Flags2_V5", V5, Any, "D2 00", Malformed, "MQTT-2.1.3-1");
        yield return Case("FixedHeader_PingResp_FlagsF_V311", V3, Any, "DF 00", Malformed, "MQTT-2.2.2-1");
        yield return Case("FixedHeader_Disconnect_Flags1_V5", V5, Any, "E1 00", Malformed, "MQTT-3.14.1-1");
        yield return Case("FixedHeader_Disconnect_Flags2_V311", V3, ToServer, "E2 00", Malformed, "MQTT-3.14.1-1");

        // AUTH: Continue authentication (0x18), Property Length 5, Authentication Method "ab".
        yield return Case("FixedHeader_Auth_Flags2_V5", V5, Any, "F2 07 18 05 15 00 02 61 62", Malformed, "MQTT-3.15.1-1");

        yield return Case("FixedHeader_PacketType0_V5", V5, Any, "00 00", Malformed, NoId);
        yield return Case("FixedHeader_PacketType0WithBody_V311", V3, Any, "00 02 00 01", Malformed, NoId);
        yield return Case("FixedHeader_Auth_V311", V3, Any, "F0 00", Malformed, NoId);
        yield return Case("FixedHeader_AuthWithBody_V311", V3, ToServer, "F0 07 18 05 15 00 02 61 62", Malformed, NoId);
    }

    // 5.0 §1.5.5 and §2.1.4: the Remaining Length is a Variable Byte Integer of at most four bytes (the decode
    // algorithm of §1.5.5 calls a fifth byte malformed), using the minimum number of bytes [MQTT-1.5.5-1].
    // The frame reader rejects both as soon as the length bytes are in, before waiting for a body.
    private static IEnumerable<MalformedPacketCase> FramingCases()
    {
        yield return Case("Framing_RemainingLengthFiveBytes", V5, Any, "30 FF FF FF FF 7F", Malformed, "MQTT-1.5.5-1");
        yield return Case("Framing_RemainingLengthFiveBytesOfZeroGroups", V5, Any, "30 80 80 80 80 01", Malformed, "MQTT-1.5.5-1");
        yield return Case("Framing_RemainingLengthFourthByteHasContinuationBit", V5, Any, "C0 80 80 80 80", Malformed, "MQTT-1.5.5-1");
        yield return Case("Framing_RemainingLengthZeroInTwoBytes", V5, Any, "C0 80 00", Malformed, "MQTT-1.5.5-1");
        yield return Case("Framing_RemainingLengthZeroInFourBytes", V5, Any, "E0 80 80 80 00", Malformed, "MQTT-1.5.5-1");

        // PUBLISH "a", Property Length 0, with Remaining Length 4 written as 84 00.
        yield return Case("Framing_RemainingLengthFourInTwoBytes", V5, Any, "30 84 00 00 01 61 00", Malformed, "MQTT-1.5.5-1");

        // 127 written as FF 80 00 (three bytes for a one-byte value).
        yield return Case("Framing_RemainingLength127InThreeBytes", V5, Any, "30 FF 80 00", Malformed, "MQTT-1.5.5-1");
    }

    // 5.0 §1.5.5 applies to every Variable Byte Integer, not only the Remaining Length: Property Length
    // (§2.2.2.1) and the Subscription Identifier (§3.3.2.3.8) must be minimal and at most four bytes
    // [MQTT-1.5.5-1]. Malformed Packet.
    private static IEnumerable<MalformedPacketCase> VariableByteIntegerCases()
    {
        // PUBLISH "a" whose Property Length 0 is written as 80 00.
        yield return Case("Vbi_PublishPropertyLengthNotMinimal", V5, Any, "30 05 00 01 61 80 00", Malformed, "MQTT-1.5.5-1");

        // PUBLISH "a" whose Property Length has five bytes.
        yield return Case("Vbi_PublishPropertyLengthFiveBytes", V5, Any, "30 08 00 01 61 FF FF FF FF 7F", Malformed, "MQTT-1.5.5-1");

        // CONNACK whose Property Length 1 is written as 81 00 (followed by one byte that would be the property).
        yield return Case("Vbi_ConnAckPropertyLengthNotMinimal", V5, Any, "20 05 00 00 81 00 00", Malformed, "MQTT-1.5.5-1");

        // SUBSCRIBE with Subscription Identifier 1 written as 81 00.
        yield return Case("Vbi_SubscribeSubscriptionIdentifierNotMinimal", V5, ToServer, "82 0A 00 01 03 0B 81 00 00 01 61 00", Malformed, "MQTT-1.5.5-1");

        // PUBLISH from the server with a five-byte Subscription Identifier.
        yield return Case("Vbi_PublishSubscriptionIdentifierFiveBytes", V5, ToClient, "30 0A 00 01 61 06 0B FF FF FF FF 7F", Malformed, "MQTT-1.5.5-1");

        // DISCONNECT whose Property Length 0 is written as 80 80 00.
        yield return Case("Vbi_DisconnectPropertyLengthNotMinimal", V5, Any, "E0 04 00 80 80 00", Malformed, "MQTT-1.5.5-1");
    }
}
