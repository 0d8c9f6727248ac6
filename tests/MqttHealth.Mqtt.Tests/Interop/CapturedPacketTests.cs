using System.Text;
using System.Text.Json;
using MqttHealth.Mqtt.Packets;
using MqttHealth.Mqtt.Protocol;
using MqttHealth.Mqtt.Tests.Codec;

namespace MqttHealth.Mqtt.Tests.Interop;

/// <summary>
/// Golden interop data: 63 packets produced by mosquitto 2.0.11 (clients and broker) and paho-mqtt 1.6.1
/// (Interop/README.md). Each one must decode to the fields its <c>expect</c> object lists, with nothing else
/// present, and our encoder must give back the captured bytes.
/// </summary>
public class CapturedPacketTests
{
    /// <summary>
    /// The captured packets whose properties are not in the order our encoder writes (ascending identifier, User
    /// Properties last). Their bytes are compared up to property order; Interop/README.md explains each one.
    /// </summary>
    private static readonly string[] ReorderedProperties =
    [
        "v5-connect-mosquitto_sub-will",
        "v5-connack-broker",
        "v5-publish-broker-to-sub-qos1-properties",
        "v5-publish-mosquitto_pub-qos1-retain-properties",
        "v5-connack-broker-assigned-clientid",
    ];

    [Fact]
    public void CapturedPackets_File_Has63UniqueEntriesOfBothVersions()
    {
        Assert.Equal(63, CapturedPacket.All.Count);
        Assert.Equal(63, CapturedPacket.All.Select(p => p.Name).Distinct(StringComparer.Ordinal).Count());
        Assert.Equal(24, CapturedPacket.All.Count(p => p.Version == MqttProtocolVersion.V311));
        Assert.Equal(39, CapturedPacket.All.Count(p => p.Version == MqttProtocolVersion.V500));
    }

    [Fact]
    public void CapturedPackets_NonCanonicalPropertyOrder_IsExactlyTheDocumentedList()
    {
        var nonCanonical = CapturedPacket.All
            .Where(p => p.Version == MqttProtocolVersion.V500 && !WireProperties.IsCanonical(p.Bytes))
            .Select(p => p.Name)
            .ToList();

        Assert.Equal(ReorderedProperties.Order(StringComparer.Ordinal), nonCanonical.Order(StringComparer.Ordinal));
    }

    [Theory]
    [MemberData(nameof(CapturedPacket.Names), MemberType = typeof(CapturedPacket))]
    public void Decode_CapturedPacket_HasExactlyTheExpectedFields(string name)
    {
        CapturedPacket captured = CapturedPacket.Get(name);

        MqttPacket packet = Wire.DecodeSingle(captured.Bytes, captured.Version, captured.Direction);

        ExpectedFields.Check(captured.Expect, packet, captured.Version, captured.Bytes);
    }

    [Theory]
    [MemberData(nameof(CapturedPacket.Names), MemberType = typeof(CapturedPacket))]
    public void Decode_CapturedPacketOneBytePerSegment_SameAsWhole(string name)
    {
        CapturedPacket captured = CapturedPacket.Get(name);
        MqttPacket whole = Wire.DecodeSingle(captured.Bytes, captured.Version, captured.Direction);

        MqttPacket segmented = Wire.DecodeSingle(Sequences.OneBytePerSegment(captured.Bytes), captured.Version, captured.Direction);

        PacketAssert.Equal(whole, segmented);
    }

    [Theory]
    [MemberData(nameof(CapturedPacket.Names), MemberType = typeof(CapturedPacket))]
    public void Encode_DecodedCapturedPacket_ReproducesTheCapturedBytes(string name)
    {
        CapturedPacket captured = CapturedPacket.Get(name);
        MqttPacket decoded = Wire.DecodeSingle(captured.Bytes, captured.Version, captured.Direction);

        byte[] encoded = Wire.Encode(decoded, captured.Version);

        if (captured.Version == MqttProtocolVersion.V311 || WireProperties.IsCanonical(captured.Bytes))
        {
            Assert.Equal(Convert.ToHexString(captured.Bytes), Convert.ToHexString(encoded));
            return;
        }

        // The producer ordered the properties differently (documented in Interop/README.md): the encoding must be
        // the same packet, byte for byte outside the property sections and the same properties within them.
        Assert.Contains(name, ReorderedProperties);
        PacketAssert.Equal(decoded, Wire.DecodeSingle(encoded, captured.Version, captured.Direction));
        WireProperties.AssertEqualUpToPropertyOrder(captured.Bytes, encoded);
        Assert.True(WireProperties.IsCanonical(encoded), "our encoder writes the canonical order");
    }

    /// <summary>Checks an <c>expect</c> object; see Interop/README.md for its fields.</summary>
    private static class ExpectedFields
    {
        public static void Check(JsonElement expect, MqttPacket packet, MqttProtocolVersion version, byte[] bytes)
        {
            foreach (JsonProperty field in expect.EnumerateObject())
            {
                JsonElement value = field.Value;
                switch (field.Name)
                {
                    case "packetType":
                        Assert.Equal(value.GetString(), packet.Type.ToString().ToUpperInvariant());
                        break;
                    case "protocolName":
                        // The decoder accepts only "MQTT"; check the wire bytes too (length-prefixed, after the fixed header).
                        Assert.Equal("MQTT", value.GetString());
                        // The Remaining Length is 1 to 4 bytes (continuation bit 0x80), so find where the fixed header ends.
                        int variableHeader = 2;
                        while ((bytes[variableHeader - 1] & 0x80) != 0)
                        {
                            variableHeader++;
                        }

                        Assert.Equal("\0\u0004MQTT", Encoding.ASCII.GetString(bytes, variableHeader, 6));
                        break;
                    case "protocolLevel":
                        Assert.Equal(value.GetInt32(), (int)As<ConnectPacket>(packet).ProtocolVersion);
                        break;
                    case "clientId":
                        Assert.Equal(value.GetString(), As<ConnectPacket>(packet).ClientId);
                        break;
                    case "keepAlive":
                        Assert.Equal(value.GetInt32(), As<ConnectPacket>(packet).KeepAlive);
                        break;
                    case "cleanStart":
                        Assert.Equal(value.GetBoolean(), As<ConnectPacket>(packet).CleanStart);
                        break;
                    case "username":
                        Assert.Equal(value.GetString(), As<ConnectPacket>(packet).UserName);
                        break;
                    case "password":
                        Assert.Equal(Utf8(value), As<ConnectPacket>(packet).Password?.ToArray());
                        break;
                    case "will":
                        CheckWill(value, As<ConnectPacket>(packet).Will);
                        break;
                    case "sessionPresent":
                        Assert.Equal(value.GetBoolean(), As<ConnAckPacket>(packet).SessionPresent);
                        break;
                    case "returnCode":
                        Assert.Equal(MqttProtocolVersion.V311, version);
                        Assert.Equal(value.GetInt32(), (int)ConnAckPacket.ToConnectReturnCode(As<ConnAckPacket>(packet).ReasonCode));
                        break;
                    case "reasonCode":
                        Assert.Equal(value.GetInt32(), (int)ReasonCodeOf(packet));
                        break;
                    case "qos":
                        Assert.Equal(value.GetInt32(), (int)As<PublishPacket>(packet).QoS);
                        break;
                    case "retain":
                        Assert.Equal(value.GetBoolean(), As<PublishPacket>(packet).Retain);
                        break;
                    case "dup":
                        Assert.Equal(value.GetBoolean(), As<PublishPacket>(packet).Dup);
                        break;
                    case "topic":
                        Assert.Equal(value.GetString(), As<PublishPacket>(packet).Topic);
                        break;
                    case "payloadUtf8":
                        Assert.Equal(Utf8(value), As<PublishPacket>(packet).Payload.ToArray());
                        break;
                    case "packetId":
                        Assert.Equal(value.GetInt32(), PacketIdOf(packet));
                        break;
                    case "subscriptions":
                        CheckSubscriptions(value, As<SubscribePacket>(packet), version);
                        break;
                    case "topicFilters":
                        Assert.Equal(value.EnumerateArray().Select(f => f.GetString()), As<UnsubscribePacket>(packet).TopicFilters);
                        break;
                    case "reasonCodes":
                        IList<ReasonCode> codes = packet is SubAckPacket sa ? sa.ReasonCodes : As<UnsubAckPacket>(packet).ReasonCodes;
                        Assert.Equal(value.EnumerateArray().Select(c => c.GetInt32()), codes.Select(c => (int)c));
                        break;
                    case "properties":
                        Assert.Equal(MqttProtocolVersion.V500, version);
                        CheckProperties(value, PropertyInspector.Sections(packet).Single(s => s.Kind != PropertyInspector.WillKind).Properties, "properties");
                        break;
                    default:
                        Assert.Fail($"The test does not know the expect field '{field.Name}'.");
                        break;
                }
            }

            // "If a field is absent from expect, the packet does not have it."
            if (!Has(expect, "properties"))
            {
                Assert.All(PropertyInspector.Sections(packet).Where(s => s.Kind != PropertyInspector.WillKind), s => Assert.Empty(PropertyInspector.PresentIds(s.Properties)));
            }

            switch (packet)
            {
                case ConnectPacket c:
                    Assert.True(Has(expect, "username") || c.UserName is null, "no username expected");
                    Assert.True(Has(expect, "password") || c.Password is null, "no password expected");
                    Assert.True(Has(expect, "will") || c.Will is null, "no will expected");
                    break;
                case PublishPacket p:
                    Assert.True(Has(expect, "packetId") || p.PacketId == 0, "no packet id expected");
                    break;
                case PublishAcknowledgementPacket or DisconnectPacket when !Has(expect, "reasonCode"):
                    Assert.Equal(ReasonCode.Success, ReasonCodeOf(packet));
                    break;
            }
        }

        private static void CheckWill(JsonElement expect, MqttWill? will)
        {
            Assert.NotNull(will);
            foreach (JsonProperty field in expect.EnumerateObject())
            {
                switch (field.Name)
                {
                    case "topic":
                        Assert.Equal(field.Value.GetString(), will.Topic);
                        break;
                    case "payloadUtf8":
                        Assert.Equal(Utf8(field.Value), will.Payload.ToArray());
                        break;
                    case "qos":
                        Assert.Equal(field.Value.GetInt32(), (int)will.QoS);
                        break;
                    case "retain":
                        Assert.Equal(field.Value.GetBoolean(), will.Retain);
                        break;
                    case "properties":
                        CheckProperties(field.Value, will.Properties, "will.properties");
                        break;
                    default:
                        Assert.Fail($"The test does not know the will field '{field.Name}'.");
                        break;
                }
            }

            if (!Has(expect, "properties"))
            {
                Assert.Empty(PropertyInspector.PresentIds(will.Properties));
            }
        }

        private static void CheckSubscriptions(JsonElement expect, SubscribePacket packet, MqttProtocolVersion version)
        {
            var expected = expect.EnumerateArray().ToList();
            Assert.Equal(expected.Count, packet.Subscriptions.Count);
            for (int i = 0; i < expected.Count; i++)
            {
                JsonElement e = expected[i];
                MqttSubscription actual = packet.Subscriptions[i];
                Assert.Equal(e.GetProperty("filter").GetString(), actual.TopicFilter);
                Assert.Equal(e.GetProperty("qos").GetInt32(), (int)actual.MaximumQoS);

                // 3.1.1 has no subscription options: they must decode as the defaults.
                bool v5 = version == MqttProtocolVersion.V500;
                Assert.Equal(v5 && e.GetProperty("noLocal").GetBoolean(), actual.NoLocal);
                Assert.Equal(v5 && e.GetProperty("retainAsPublished").GetBoolean(), actual.RetainAsPublished);
                Assert.Equal(v5 ? e.GetProperty("retainHandling").GetInt32() : 0, (int)actual.RetainHandling);
            }
        }

        private static void CheckProperties(JsonElement expect, MqttProperties? actual, string path)
        {
            var expectedIds = new HashSet<MqttPropertyId>();
            foreach (JsonProperty field in expect.EnumerateObject())
            {
                JsonElement v = field.Value;
                string where = $"{path}.{field.Name}";
                switch (field.Name)
                {
                    case "sessionExpiryInterval":
                        expectedIds.Add(MqttPropertyId.SessionExpiryInterval);
                        Assert.True(v.GetUInt32() == actual?.SessionExpiryInterval, where);
                        break;
                    case "requestProblemInformation":
                        expectedIds.Add(MqttPropertyId.RequestProblemInformation);
                        Assert.True((v.GetByte() == 1) == actual?.RequestProblemInformation, where);
                        break;
                    case "maximumPacketSize":
                        expectedIds.Add(MqttPropertyId.MaximumPacketSize);
                        Assert.True(v.GetUInt32() == actual?.MaximumPacketSize, where);
                        break;
                    case "subscriptionIdentifier":
                        // A SUBSCRIBE carries at most one (5.0 §3.8.2.1.2).
                        expectedIds.Add(MqttPropertyId.SubscriptionIdentifier);
                        Assert.Equal(new[] { v.GetUInt32() }, actual?.SubscriptionIdentifiers.ToArray());
                        break;
                    case "receiveMaximum":
                        expectedIds.Add(MqttPropertyId.ReceiveMaximum);
                        Assert.True(v.GetUInt16() == actual?.ReceiveMaximum, where);
                        break;
                    case "topicAliasMaximum":
                        expectedIds.Add(MqttPropertyId.TopicAliasMaximum);
                        Assert.True(v.GetUInt16() == actual?.TopicAliasMaximum, where);
                        break;
                    case "assignedClientIdentifier":
                        expectedIds.Add(MqttPropertyId.AssignedClientIdentifier);
                        Assert.Equal(v.GetString(), actual?.AssignedClientIdentifier);
                        break;
                    case "messageExpiryInterval":
                        expectedIds.Add(MqttPropertyId.MessageExpiryInterval);
                        Assert.True(v.GetUInt32() == actual?.MessageExpiryInterval, where);
                        break;
                    case "willDelayInterval":
                        expectedIds.Add(MqttPropertyId.WillDelayInterval);
                        Assert.True(v.GetUInt32() == actual?.WillDelayInterval, where);
                        break;
                    case "contentType":
                        expectedIds.Add(MqttPropertyId.ContentType);
                        Assert.Equal(v.GetString(), actual?.ContentType);
                        break;
                    case "responseTopic":
                        expectedIds.Add(MqttPropertyId.ResponseTopic);
                        Assert.Equal(v.GetString(), actual?.ResponseTopic);
                        break;
                    case "correlationDataUtf8":
                        expectedIds.Add(MqttPropertyId.CorrelationData);
                        Assert.Equal(Utf8(v), actual?.CorrelationData?.ToArray());
                        break;
                    case "payloadFormatIndicator":
                        expectedIds.Add(MqttPropertyId.PayloadFormatIndicator);
                        Assert.True((PayloadFormat)v.GetByte() == actual?.PayloadFormatIndicator, where);
                        break;
                    case "userProperties":
                        expectedIds.Add(MqttPropertyId.UserProperty);
                        var expectedPairs = v.EnumerateArray().Select(p => new MqttUserProperty(p[0].GetString()!, p[1].GetString()!)).ToList();
                        Assert.Equal(2, v.EnumerateArray().Select(p => p.GetArrayLength()).Distinct().Single());
                        Assert.Equal(expectedPairs, actual?.UserProperties.ToList());
                        break;
                    default:
                        Assert.Fail($"The test does not know the property '{field.Name}'.");
                        break;
                }
            }

            // Exactly these properties: nothing more was decoded.
            Assert.Equal(expectedIds.Order(), PropertyInspector.PresentIds(actual).Order());
        }

        private static T As<T>(MqttPacket packet)
            where T : MqttPacket => Assert.IsType<T>(packet);

        private static ReasonCode ReasonCodeOf(MqttPacket packet) => packet switch
        {
            ConnAckPacket a => a.ReasonCode,
            PublishAcknowledgementPacket ack => ack.ReasonCode,
            DisconnectPacket d => d.ReasonCode,
            AuthPacket au => au.ReasonCode,
            _ => throw new InvalidOperationException($"{packet.Type} has no single reason code."),
        };

        private static int PacketIdOf(MqttPacket packet) => packet switch
        {
            PublishPacket p => p.PacketId,
            PublishAcknowledgementPacket ack => ack.PacketId,
            SubscribePacket s => s.PacketId,
            SubAckPacket sa => sa.PacketId,
            UnsubscribePacket u => u.PacketId,
            UnsubAckPacket ua => ua.PacketId,
            _ => throw new InvalidOperationException($"{packet.Type} has no packet identifier."),
        };

        private static bool Has(JsonElement expect, string name) => expect.TryGetProperty(name, out _);

        private static byte[] Utf8(JsonElement value) => Encoding.UTF8.GetBytes(value.GetString()!);
    }
}
