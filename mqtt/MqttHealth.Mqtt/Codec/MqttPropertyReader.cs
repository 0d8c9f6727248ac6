using System.Buffers;
using MqttHealth.Mqtt.Protocol;

namespace MqttHealth.Mqtt.Codec;

/// <summary>What the PUBLISH hot path needs from the properties without materializing them.</summary>
internal struct PublishPropertySummary
{
    public ushort TopicAlias;
    public uint? MessageExpiryInterval;
    public PayloadFormat? PayloadFormatIndicator;
    public int SubscriptionIdentifierCount;
}

/// <summary>
/// Reads and validates an MQTT 5.0 property section: Property Length (a Variable Byte Integer), then
/// identifier/value pairs. Enforces table 2-4 (identifier known and allowed in this packet: otherwise
/// Malformed Packet), the repeat rules (a repeated single property is a Protocol Error) and each property's
/// value rules. With a null bag it validates without allocating, which is what the PUBLISH view uses.
/// </summary>
internal static class MqttPropertyReader
{
    public static void Read(ref MqttBodyReader body, int kind, MqttProperties? bag, ref PublishPropertySummary summary)
    {
        int length = body.ReadVariableByteInteger("Property Length");
        if (length == 0)
        {
            return;
        }

        var reader = new MqttBodyReader(body.ReadSlice(length, "properties"));
        ReadBody(ref reader, kind, bag, ref summary);
    }

    /// <summary>Reads the pairs of a property section whose length has already been taken off.</summary>
    public static void ReadBody(ref MqttBodyReader reader, int kind, MqttProperties? bag, ref PublishPropertySummary summary)
    {
        ulong seen = 0;
        while (!reader.End)
        {
            byte id = reader.ReadByte("Property Identifier");
            MqttPropertyType type = MqttPropertyTable.TypeOf(id);
            if (type == MqttPropertyType.Unknown)
            {
                MqttThrow.Malformed(string.Empty, $"0x{id:X2} is not an MQTT 5.0 property identifier.");
            }

            if (!MqttPropertyTable.IsAllowed(id, kind))
            {
                MqttThrow.Malformed(string.Empty, $"Property {(MqttPropertyId)id} is not allowed in {KindName(kind)}.");
            }

            ulong bit = 1UL << id;
            if ((seen & bit) != 0 && !MqttPropertyTable.MayRepeat((MqttPropertyId)id, kind))
            {
                MqttThrow.ProtocolError(string.Empty, $"Property {(MqttPropertyId)id} must not be included more than once in {KindName(kind)}.");
            }

            seen |= bit;
            ReadValue(ref reader, (MqttPropertyId)id, bag, ref summary);
        }
    }

    private static void ReadValue(ref MqttBodyReader r, MqttPropertyId id, MqttProperties? bag, ref PublishPropertySummary summary)
    {
        switch (id)
        {
            case MqttPropertyId.PayloadFormatIndicator:
                byte format = ReadZeroOrOne(ref r, id);
                summary.PayloadFormatIndicator = (PayloadFormat)format;
                if (bag is not null) { bag.PayloadFormatIndicator = (PayloadFormat)format; }
                break;
            case MqttPropertyId.MessageExpiryInterval:
                uint expiry = r.ReadUInt32("Message Expiry Interval");
                summary.MessageExpiryInterval = expiry;
                if (bag is not null) { bag.MessageExpiryInterval = expiry; }
                break;
            case MqttPropertyId.ContentType:
                ReadString(ref r, "Content Type", bag, static (b, v) => b.ContentType = v);
                break;
            case MqttPropertyId.ResponseTopic:
                var responseTopic = r.ReadUtf8Slice("Response Topic");
                // The Response Topic is used as a Topic Name: at least one character [MQTT-4.7.3-1], no wildcards [MQTT-3.3.2-14].
                Topics.MqttTopic.ValidateTopicName(responseTopic.IsSingleSegment ? responseTopic.FirstSpan : responseTopic.ToArray(), "MQTT-3.3.2-14");

                if (bag is not null) { bag.ResponseTopic = MqttBodyReader.Decode(responseTopic); }
                break;
            case MqttPropertyId.CorrelationData:
                var correlation = r.ReadBinarySlice("Correlation Data");
                if (bag is not null) { bag.CorrelationData = correlation.ToArray(); }
                break;
            case MqttPropertyId.SubscriptionIdentifier:
                int subscriptionId = r.ReadVariableByteInteger("Subscription Identifier");
                if (subscriptionId == 0)
                {
                    MqttThrow.ProtocolError(string.Empty, "A Subscription Identifier must be between 1 and 268,435,455.");
                }

                summary.SubscriptionIdentifierCount++;
                bag?.SubscriptionIdentifiers.Add((uint)subscriptionId);
                break;
            case MqttPropertyId.SessionExpiryInterval:
                uint session = r.ReadUInt32("Session Expiry Interval");
                if (bag is not null) { bag.SessionExpiryInterval = session; }
                break;
            case MqttPropertyId.AssignedClientIdentifier:
                ReadString(ref r, "Assigned Client Identifier", bag, static (b, v) => b.AssignedClientIdentifier = v);
                break;
            case MqttPropertyId.ServerKeepAlive:
                ushort keepAlive = r.ReadUInt16("Server Keep Alive");
                if (bag is not null) { bag.ServerKeepAlive = keepAlive; }
                break;
            case MqttPropertyId.AuthenticationMethod:
                ReadString(ref r, "Authentication Method", bag, static (b, v) => b.AuthenticationMethod = v);
                break;
            case MqttPropertyId.AuthenticationData:
                var authData = r.ReadBinarySlice("Authentication Data");
                if (bag is not null) { bag.AuthenticationData = authData.ToArray(); }
                break;
            case MqttPropertyId.RequestProblemInformation:
                byte problem = ReadZeroOrOne(ref r, id);
                if (bag is not null) { bag.RequestProblemInformation = problem == 1; }
                break;
            case MqttPropertyId.WillDelayInterval:
                uint willDelay = r.ReadUInt32("Will Delay Interval");
                if (bag is not null) { bag.WillDelayInterval = willDelay; }
                break;
            case MqttPropertyId.RequestResponseInformation:
                byte response = ReadZeroOrOne(ref r, id);
                if (bag is not null) { bag.RequestResponseInformation = response == 1; }
                break;
            case MqttPropertyId.ResponseInformation:
                ReadString(ref r, "Response Information", bag, static (b, v) => b.ResponseInformation = v);
                break;
            case MqttPropertyId.ServerReference:
                ReadString(ref r, "Server Reference", bag, static (b, v) => b.ServerReference = v);
                break;
            case MqttPropertyId.ReasonString:
                ReadString(ref r, "Reason String", bag, static (b, v) => b.ReasonString = v);
                break;
            case MqttPropertyId.ReceiveMaximum:
                ushort receiveMaximum = r.ReadUInt16("Receive Maximum");
                if (receiveMaximum == 0)
                {
                    MqttThrow.ProtocolError(string.Empty, "Receive Maximum must not be 0.");
                }

                if (bag is not null) { bag.ReceiveMaximum = receiveMaximum; }
                break;
            case MqttPropertyId.TopicAliasMaximum:
                ushort aliasMaximum = r.ReadUInt16("Topic Alias Maximum");
                if (bag is not null) { bag.TopicAliasMaximum = aliasMaximum; }
                break;
            case MqttPropertyId.TopicAlias:
                ushort alias = r.ReadUInt16("Topic Alias");
                if (alias == 0)
                {
                    MqttThrow.Error(ReasonCode.TopicAliasInvalid, "MQTT-3.3.2-8", "A Topic Alias of 0 is not permitted.");
                }

                summary.TopicAlias = alias;
                if (bag is not null) { bag.TopicAlias = alias; }
                break;
            case MqttPropertyId.MaximumQoS:
                byte maximumQoS = ReadZeroOrOne(ref r, id);
                if (bag is not null) { bag.MaximumQoS = (QualityOfService)maximumQoS; }
                break;
            case MqttPropertyId.RetainAvailable:
                byte retain = ReadZeroOrOne(ref r, id);
                if (bag is not null) { bag.RetainAvailable = retain == 1; }
                break;
            case MqttPropertyId.UserProperty:
                var name = r.ReadUtf8Slice("User Property name");
                var value = r.ReadUtf8Slice("User Property value");
                bag?.UserProperties.Add(new MqttUserProperty(MqttBodyReader.Decode(name), MqttBodyReader.Decode(value)));
                break;
            case MqttPropertyId.MaximumPacketSize:
                uint maximumPacketSize = r.ReadUInt32("Maximum Packet Size");
                if (maximumPacketSize == 0)
                {
                    MqttThrow.ProtocolError(string.Empty, "Maximum Packet Size must not be 0.");
                }

                if (bag is not null) { bag.MaximumPacketSize = maximumPacketSize; }
                break;
            case MqttPropertyId.WildcardSubscriptionAvailable:
                byte wildcard = ReadZeroOrOne(ref r, id);
                if (bag is not null) { bag.WildcardSubscriptionAvailable = wildcard == 1; }
                break;
            case MqttPropertyId.SubscriptionIdentifierAvailable:
                byte subscriptionIds = ReadZeroOrOne(ref r, id);
                if (bag is not null) { bag.SubscriptionIdentifierAvailable = subscriptionIds == 1; }
                break;
            case MqttPropertyId.SharedSubscriptionAvailable:
                byte shared = ReadZeroOrOne(ref r, id);
                if (bag is not null) { bag.SharedSubscriptionAvailable = shared == 1; }
                break;
            default:
                MqttThrow.Malformed(string.Empty, $"0x{(byte)id:X2} is not an MQTT 5.0 property identifier.");
                break;
        }
    }

    private static byte ReadZeroOrOne(ref MqttBodyReader r, MqttPropertyId id)
    {
        byte value = r.ReadByte("property value");
        if (value > 1)
        {
            MqttThrow.ProtocolError(string.Empty, $"Property {id} must be 0 or 1, not {value}.");
        }

        return value;
    }

    private static void ReadString(ref MqttBodyReader r, string what, MqttProperties? bag, Action<MqttProperties, string> set)
    {
        var slice = r.ReadUtf8Slice(what);
        if (bag is not null)
        {
            set(bag, MqttBodyReader.Decode(slice));
        }
    }

    internal static string KindName(int kind) =>
        kind == MqttPropertyTable.WillKind ? "the Will Properties" : $"a {(MqttPacketType)kind} packet";
}
