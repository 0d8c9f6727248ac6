using MqttHealth.Mqtt.Packets;
using MqttHealth.Mqtt.Protocol;

namespace MqttHealth.Mqtt.Tests.Codec;

/// <summary>
/// Checks what <see cref="PacketCatalogue"/> claims to cover, so that the round-trip and segmentation tests
/// really exercise every packet type, every property where it is allowed, and the encoding edge cases.
/// Table 2-4 of MQTT 5.0 is transcribed here independently of <see cref="MqttPropertyTable"/>.
/// </summary>
public class CatalogueCoverageTests
{
    private const int Will = PropertyInspector.WillKind;
    private const int Connect = 1, ConnAck = 2, Publish = 3, PubAck = 4, PubRec = 5, PubRel = 6, PubComp = 7;
    private const int Subscribe = 8, SubAck = 9, Unsubscribe = 10, UnsubAck = 11, Disconnect = 14, Auth = 15;

    /// <summary>MQTT 5.0 table 2-4: identifier, data type, and the packets (0 = Will Properties) that may carry it.</summary>
    private static readonly (MqttPropertyId Id, MqttPropertyType Type, int[] Kinds)[] SpecTable =
    [
        (MqttPropertyId.PayloadFormatIndicator, MqttPropertyType.Byte, [Publish, Will]),
        (MqttPropertyId.MessageExpiryInterval, MqttPropertyType.FourByteInteger, [Publish, Will]),
        (MqttPropertyId.ContentType, MqttPropertyType.Utf8String, [Publish, Will]),
        (MqttPropertyId.ResponseTopic, MqttPropertyType.Utf8String, [Publish, Will]),
        (MqttPropertyId.CorrelationData, MqttPropertyType.BinaryData, [Publish, Will]),
        (MqttPropertyId.SubscriptionIdentifier, MqttPropertyType.VariableByteInteger, [Publish, Subscribe]),
        (MqttPropertyId.SessionExpiryInterval, MqttPropertyType.FourByteInteger, [Connect, ConnAck, Disconnect]),
        (MqttPropertyId.AssignedClientIdentifier, MqttPropertyType.Utf8String, [ConnAck]),
        (MqttPropertyId.ServerKeepAlive, MqttPropertyType.TwoByteInteger, [ConnAck]),
        (MqttPropertyId.AuthenticationMethod, MqttPropertyType.Utf8String, [Connect, ConnAck, Auth]),
        (MqttPropertyId.AuthenticationData, MqttPropertyType.BinaryData, [Connect, ConnAck, Auth]),
        (MqttPropertyId.RequestProblemInformation, MqttPropertyType.Byte, [Connect]),
        (MqttPropertyId.WillDelayInterval, MqttPropertyType.FourByteInteger, [Will]),
        (MqttPropertyId.RequestResponseInformation, MqttPropertyType.Byte, [Connect]),
        (MqttPropertyId.ResponseInformation, MqttPropertyType.Utf8String, [ConnAck]),
        (MqttPropertyId.ServerReference, MqttPropertyType.Utf8String, [ConnAck, Disconnect]),
        (MqttPropertyId.ReasonString, MqttPropertyType.Utf8String, [ConnAck, PubAck, PubRec, PubRel, PubComp, SubAck, UnsubAck, Disconnect, Auth]),
        (MqttPropertyId.ReceiveMaximum, MqttPropertyType.TwoByteInteger, [Connect, ConnAck]),
        (MqttPropertyId.TopicAliasMaximum, MqttPropertyType.TwoByteInteger, [Connect, ConnAck]),
        (MqttPropertyId.TopicAlias, MqttPropertyType.TwoByteInteger, [Publish]),
        (MqttPropertyId.MaximumQoS, MqttPropertyType.Byte, [ConnAck]),
        (MqttPropertyId.RetainAvailable, MqttPropertyType.Byte, [ConnAck]),
        (MqttPropertyId.UserProperty, MqttPropertyType.Utf8StringPair,
            [Connect, ConnAck, Publish, Will, PubAck, PubRec, PubRel, PubComp, Subscribe, SubAck, Unsubscribe, UnsubAck, Disconnect, Auth]),
        (MqttPropertyId.MaximumPacketSize, MqttPropertyType.FourByteInteger, [Connect, ConnAck]),
        (MqttPropertyId.WildcardSubscriptionAvailable, MqttPropertyType.Byte, [ConnAck]),
        (MqttPropertyId.SubscriptionIdentifierAvailable, MqttPropertyType.Byte, [ConnAck]),
        (MqttPropertyId.SharedSubscriptionAvailable, MqttPropertyType.Byte, [ConnAck]),
    ];

    [Fact]
    public void Catalogue_Names_AreUniqueAndCarryTheirVersion()
    {
        Assert.Equal(PacketCatalogue.Samples.Count, PacketCatalogue.Samples.Select(s => s.Name).Distinct(StringComparer.Ordinal).Count());
        Assert.All(PacketCatalogue.Samples, s => Assert.StartsWith(s.Version == MqttProtocolVersion.V311 ? "v311-" : "v5-", s.Name, StringComparison.Ordinal));
    }

    [Fact]
    public void Catalogue_V500_HasAllFifteenPacketTypes()
    {
        var types = PacketCatalogue.OfVersion(MqttProtocolVersion.V500).Select(s => s.Packet.Type).ToHashSet();
        Assert.Equal(Enum.GetValues<MqttPacketType>().ToHashSet(), types);
        Assert.Equal(15, types.Count);
    }

    [Fact]
    public void Catalogue_V311_HasAllFourteenPacketTypesAndNoAuth()
    {
        var types = PacketCatalogue.OfVersion(MqttProtocolVersion.V311).Select(s => s.Packet.Type).ToHashSet();
        Assert.Equal(Enum.GetValues<MqttPacketType>().Where(t => t != MqttPacketType.Auth).ToHashSet(), types);
    }

    [Fact]
    public void Catalogue_V311_CarriesNoProperties()
    {
        Assert.All(
            PacketCatalogue.OfVersion(MqttProtocolVersion.V311),
            s => Assert.All(PropertyInspector.Sections(s.Packet), section => Assert.Empty(PropertyInspector.PresentIds(section.Properties))));
    }

    [Fact]
    public void MqttPropertyTable_EveryIdentifierAndKind_MatchesSpecTable2_4()
    {
        // Every defined identifier, every kind: allowed exactly where table 2-4 says, with the table's data type.
        for (int id = 0; id < 0x40; id++)
        {
            var row = SpecTable.FirstOrDefault(r => (int)r.Id == id);
            Assert.Equal(row.Kinds is null ? MqttPropertyType.Unknown : row.Type, MqttPropertyTable.TypeOf((byte)id));
            for (int kind = 0; kind <= 15; kind++)
            {
                bool allowed = row.Kinds is not null && row.Kinds.Contains(kind);
                Assert.True(allowed == MqttPropertyTable.IsAllowed((byte)id, kind), $"property 0x{id:X2} in kind {kind}: table 2-4 says {allowed}");
            }
        }
    }

    [Fact]
    public void Catalogue_V500_HasEveryPropertyInEveryPacketKindThatAllowsIt()
    {
        var seen = new HashSet<(MqttPropertyId, int)>();
        foreach (PacketSample sample in PacketCatalogue.OfVersion(MqttProtocolVersion.V500))
        {
            foreach ((int kind, MqttProperties? properties) in PropertyInspector.Sections(sample.Packet))
            {
                foreach (MqttPropertyId id in PropertyInspector.PresentIds(properties))
                {
                    seen.Add((id, kind));
                }
            }
        }

        var required = SpecTable.SelectMany(r => r.Kinds.Select(k => (r.Id, k))).ToList();
        var missing = required.Where(r => !seen.Contains(r)).Select(r => $"{r.Id} in kind {r.k}").ToList();
        Assert.True(missing.Count == 0, "not covered: " + string.Join(", ", missing));
        Assert.Equal(required.Count, seen.Count); // nothing outside the table either
    }

    [Fact]
    public void Catalogue_V500_HasRepeatedUserPropertiesAndSubscriptionIdentifiers()
    {
        var samples = PacketCatalogue.OfVersion(MqttProtocolVersion.V500).ToList();
        var bags = samples.SelectMany(s => PropertyInspector.Sections(s.Packet)).Select(x => x.Properties).OfType<MqttProperties>().ToList();
        Assert.Contains(bags, b => b.UserProperties.Count >= 2 && b.UserProperties.Select(u => u.Name).Distinct().Count() < b.UserProperties.Count);
        Assert.Contains(bags, b => b.UserProperties.Count >= 2 && b.UserProperties.Distinct().Count() < b.UserProperties.Count);
        Assert.Contains(samples, s => s.Packet is PublishPacket { Properties.SubscriptionIdentifiers.Count: >= 2 });
    }

    [Fact]
    public void Catalogue_V500_HasEverySubscriptionOptionCombination()
    {
        var combinations = PacketCatalogue.OfVersion(MqttProtocolVersion.V500)
            .Select(s => s.Packet).OfType<SubscribePacket>()
            .SelectMany(s => s.Subscriptions)
            .Select(s => (s.MaximumQoS, s.NoLocal, s.RetainAsPublished, s.RetainHandling))
            .ToHashSet();
        Assert.Equal(3 * 2 * 2 * 3, combinations.Count);
    }

    [Fact]
    public void Catalogue_V311_HasEveryRequestedQoS()
    {
        var qos = PacketCatalogue.OfVersion(MqttProtocolVersion.V311)
            .Select(s => s.Packet).OfType<SubscribePacket>().SelectMany(s => s.Subscriptions).Select(s => s.MaximumQoS).ToHashSet();
        Assert.Equal(3, qos.Count);
    }

    [Theory]
    [MemberData(nameof(PacketCatalogue.Versions), MemberType = typeof(PacketCatalogue))]
    public void Catalogue_Publishes_CoverQoSRetainDupAndPayloadShapes(MqttProtocolVersion version)
    {
        var publishes = PacketCatalogue.OfVersion(version).Select(s => s.Packet).OfType<PublishPacket>().ToList();
        Assert.Equal(3, publishes.Select(p => p.QoS).Distinct().Count());
        Assert.Contains(publishes, p => p.Retain);
        Assert.Contains(publishes, p => p.Dup && p.QoS == QualityOfService.AtLeastOnce);
        Assert.Contains(publishes, p => p.Dup && p.QoS == QualityOfService.ExactlyOnce);
        Assert.Contains(publishes, p => p.Payload.IsEmpty);
        Assert.Contains(publishes, p => p.Payload.Length >= 256);
        Assert.Contains(publishes, p => p.Topic.Any(ch => ch > 0x7F));
        if (version == MqttProtocolVersion.V500)
        {
            Assert.Contains(publishes, p => p.Topic.Length == 0 && p.Properties?.TopicAlias is not null);
        }
    }

    [Theory]
    [MemberData(nameof(PacketCatalogue.Versions), MemberType = typeof(PacketCatalogue))]
    public void Catalogue_RemainingLengths_NeedOneTwoAndThreeBytes(MqttProtocolVersion version)
    {
        var lengthBytes = PacketCatalogue.OfVersion(version)
            .Select(s => Wire.ReadRemainingLength(Wire.Encode(s.Packet, version)).Length)
            .ToHashSet();
        Assert.Superset(new HashSet<int> { 1, 2, 3 }, lengthBytes);
    }

    [Fact]
    public void Catalogue_V500_HasEveryReasonCodeShortForm()
    {
        // Remaining Lengths that only a short form produces (5.0 §3.4.2.1, §3.5.2.1, §3.6.2.1, §3.7.2.1, §3.14.2.1, §3.15.2.1).
        var forms = PacketCatalogue.OfVersion(MqttProtocolVersion.V500)
            .Select(s => (s.Packet.Type, Wire.ReadRemainingLength(Wire.Encode(s.Packet, MqttProtocolVersion.V500)).Value))
            .ToHashSet();
        foreach (MqttPacketType type in new[] { MqttPacketType.PubAck, MqttPacketType.PubRec, MqttPacketType.PubRel, MqttPacketType.PubComp })
        {
            Assert.Contains((type, 2), forms);
            Assert.Contains((type, 3), forms);
            Assert.Contains(forms, f => f.Type == type && f.Value > 3);
        }

        Assert.Contains((MqttPacketType.Disconnect, 0), forms);
        Assert.Contains((MqttPacketType.Disconnect, 1), forms);
        Assert.Contains(forms, f => f.Type == MqttPacketType.Disconnect && f.Value > 1);
        Assert.Contains((MqttPacketType.Auth, 0), forms);
        Assert.Contains(forms, f => f.Type == MqttPacketType.Auth && f.Value > 1);
    }
}
