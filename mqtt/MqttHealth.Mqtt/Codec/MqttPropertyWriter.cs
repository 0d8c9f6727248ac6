using MqttHealth.Mqtt.Protocol;

namespace MqttHealth.Mqtt.Codec;

/// <summary>
/// Sizes and writes an MQTT 5.0 property section in ascending identifier order (User Properties last,
/// in their own order). Refuses a property that table 2-4 does not allow in the packet.
/// </summary>
internal static class MqttPropertyWriter
{
    /// <summary>Size of the property pairs (without the Property Length field).</summary>
    public static int GetSize(MqttProperties? p, int kind)
    {
        if (p is null)
        {
            return 0;
        }

        int size = 0;
        size += Fixed(p.PayloadFormatIndicator.HasValue, MqttPropertyId.PayloadFormatIndicator, 1, kind);
        size += Fixed(p.MessageExpiryInterval.HasValue, MqttPropertyId.MessageExpiryInterval, 4, kind);
        size += Text(p.ContentType, MqttPropertyId.ContentType, kind);
        size += Text(p.ResponseTopic, MqttPropertyId.ResponseTopic, kind);
        size += Binary(p.CorrelationData, MqttPropertyId.CorrelationData, kind);
        if (p.SubscriptionIdentifierList is { Count: > 0 } ids)
        {
            Check(MqttPropertyId.SubscriptionIdentifier, kind);
            if (ids.Count > 1 && !MqttPropertyTable.MayRepeat(MqttPropertyId.SubscriptionIdentifier, kind))
            {
                throw new ArgumentException($"Only one Subscription Identifier is allowed in {MqttPropertyReader.KindName(kind)}.");
            }

            foreach (uint id in ids)
            {
                if (id is 0 or > MqttFrameReader.MaxRemainingLength)
                {
                    throw new ArgumentException($"A Subscription Identifier must be between 1 and 268,435,455, not {id}.");
                }

                size += 1 + MqttEncoding.VariableByteIntegerSize((int)id);
            }
        }

        size += Fixed(p.SessionExpiryInterval.HasValue, MqttPropertyId.SessionExpiryInterval, 4, kind);
        size += Text(p.AssignedClientIdentifier, MqttPropertyId.AssignedClientIdentifier, kind);
        size += Fixed(p.ServerKeepAlive.HasValue, MqttPropertyId.ServerKeepAlive, 2, kind);
        size += Text(p.AuthenticationMethod, MqttPropertyId.AuthenticationMethod, kind);
        size += Binary(p.AuthenticationData, MqttPropertyId.AuthenticationData, kind);
        size += Fixed(p.RequestProblemInformation.HasValue, MqttPropertyId.RequestProblemInformation, 1, kind);
        size += Fixed(p.WillDelayInterval.HasValue, MqttPropertyId.WillDelayInterval, 4, kind);
        size += Fixed(p.RequestResponseInformation.HasValue, MqttPropertyId.RequestResponseInformation, 1, kind);
        size += Text(p.ResponseInformation, MqttPropertyId.ResponseInformation, kind);
        size += Text(p.ServerReference, MqttPropertyId.ServerReference, kind);
        size += Text(p.ReasonString, MqttPropertyId.ReasonString, kind);
        if (p.ReceiveMaximum == 0)
        {
            throw new ArgumentException("Receive Maximum must not be 0.");
        }

        size += Fixed(p.ReceiveMaximum.HasValue, MqttPropertyId.ReceiveMaximum, 2, kind);
        size += Fixed(p.TopicAliasMaximum.HasValue, MqttPropertyId.TopicAliasMaximum, 2, kind);
        if (p.TopicAlias == 0)
        {
            throw new ArgumentException("A Topic Alias of 0 is not permitted [MQTT-3.3.2-8].");
        }

        size += Fixed(p.TopicAlias.HasValue, MqttPropertyId.TopicAlias, 2, kind);
        if (p.MaximumQoS is > QualityOfService.AtLeastOnce)
        {
            throw new ArgumentException("Maximum QoS may only be sent as 0 or 1.");
        }

        size += Fixed(p.MaximumQoS.HasValue, MqttPropertyId.MaximumQoS, 1, kind);
        size += Fixed(p.RetainAvailable.HasValue, MqttPropertyId.RetainAvailable, 1, kind);
        if (p.MaximumPacketSize == 0)
        {
            throw new ArgumentException("Maximum Packet Size must not be 0.");
        }

        size += Fixed(p.MaximumPacketSize.HasValue, MqttPropertyId.MaximumPacketSize, 4, kind);
        size += Fixed(p.WildcardSubscriptionAvailable.HasValue, MqttPropertyId.WildcardSubscriptionAvailable, 1, kind);
        size += Fixed(p.SubscriptionIdentifierAvailable.HasValue, MqttPropertyId.SubscriptionIdentifierAvailable, 1, kind);
        size += Fixed(p.SharedSubscriptionAvailable.HasValue, MqttPropertyId.SharedSubscriptionAvailable, 1, kind);
        if (p.UserPropertyList is { Count: > 0 } users)
        {
            Check(MqttPropertyId.UserProperty, kind);
            foreach (MqttUserProperty user in users)
            {
                size += 1 + MqttEncoding.StringSize(user.Name) + MqttEncoding.StringSize(user.Value);
            }
        }

        return size;
    }

    /// <summary>Writes the pairs; <paramref name="p"/> must have been sized by <see cref="GetSize"/>.</summary>
    public static void Write(ref MqttSpanWriter w, MqttProperties? p)
    {
        if (p is null)
        {
            return;
        }

        if (p.PayloadFormatIndicator is { } format) { Id(ref w, MqttPropertyId.PayloadFormatIndicator); w.WriteByte((byte)format); }
        if (p.MessageExpiryInterval is { } expiry) { Id(ref w, MqttPropertyId.MessageExpiryInterval); w.WriteUInt32(expiry); }
        if (p.ContentType is { } contentType) { Id(ref w, MqttPropertyId.ContentType); w.WriteString(contentType); }
        if (p.ResponseTopic is { } responseTopic) { Id(ref w, MqttPropertyId.ResponseTopic); w.WriteString(responseTopic); }
        if (p.CorrelationData is { } correlation) { Id(ref w, MqttPropertyId.CorrelationData); w.WriteBinary(correlation.Span); }
        if (p.SubscriptionIdentifierList is { } ids)
        {
            foreach (uint id in ids)
            {
                Id(ref w, MqttPropertyId.SubscriptionIdentifier);
                w.WriteVariableByteInteger((int)id);
            }
        }

        if (p.SessionExpiryInterval is { } session) { Id(ref w, MqttPropertyId.SessionExpiryInterval); w.WriteUInt32(session); }
        if (p.AssignedClientIdentifier is { } assigned) { Id(ref w, MqttPropertyId.AssignedClientIdentifier); w.WriteString(assigned); }
        if (p.ServerKeepAlive is { } keepAlive) { Id(ref w, MqttPropertyId.ServerKeepAlive); w.WriteUInt16(keepAlive); }
        if (p.AuthenticationMethod is { } method) { Id(ref w, MqttPropertyId.AuthenticationMethod); w.WriteString(method); }
        if (p.AuthenticationData is { } data) { Id(ref w, MqttPropertyId.AuthenticationData); w.WriteBinary(data.Span); }
        if (p.RequestProblemInformation is { } problem) { Id(ref w, MqttPropertyId.RequestProblemInformation); w.WriteByte(problem ? (byte)1 : (byte)0); }
        if (p.WillDelayInterval is { } willDelay) { Id(ref w, MqttPropertyId.WillDelayInterval); w.WriteUInt32(willDelay); }
        if (p.RequestResponseInformation is { } response) { Id(ref w, MqttPropertyId.RequestResponseInformation); w.WriteByte(response ? (byte)1 : (byte)0); }
        if (p.ResponseInformation is { } responseInformation) { Id(ref w, MqttPropertyId.ResponseInformation); w.WriteString(responseInformation); }
        if (p.ServerReference is { } reference) { Id(ref w, MqttPropertyId.ServerReference); w.WriteString(reference); }
        if (p.ReasonString is { } reason) { Id(ref w, MqttPropertyId.ReasonString); w.WriteString(reason); }
        if (p.ReceiveMaximum is { } receiveMaximum) { Id(ref w, MqttPropertyId.ReceiveMaximum); w.WriteUInt16(receiveMaximum); }
        if (p.TopicAliasMaximum is { } aliasMaximum) { Id(ref w, MqttPropertyId.TopicAliasMaximum); w.WriteUInt16(aliasMaximum); }
        if (p.TopicAlias is { } alias) { Id(ref w, MqttPropertyId.TopicAlias); w.WriteUInt16(alias); }
        if (p.MaximumQoS is { } maximumQoS) { Id(ref w, MqttPropertyId.MaximumQoS); w.WriteByte((byte)maximumQoS); }
        if (p.RetainAvailable is { } retain) { Id(ref w, MqttPropertyId.RetainAvailable); w.WriteByte(retain ? (byte)1 : (byte)0); }
        if (p.MaximumPacketSize is { } maximumPacketSize) { Id(ref w, MqttPropertyId.MaximumPacketSize); w.WriteUInt32(maximumPacketSize); }
        if (p.WildcardSubscriptionAvailable is { } wildcard) { Id(ref w, MqttPropertyId.WildcardSubscriptionAvailable); w.WriteByte(wildcard ? (byte)1 : (byte)0); }
        if (p.SubscriptionIdentifierAvailable is { } subscriptionIds) { Id(ref w, MqttPropertyId.SubscriptionIdentifierAvailable); w.WriteByte(subscriptionIds ? (byte)1 : (byte)0); }
        if (p.SharedSubscriptionAvailable is { } shared) { Id(ref w, MqttPropertyId.SharedSubscriptionAvailable); w.WriteByte(shared ? (byte)1 : (byte)0); }
        if (p.UserPropertyList is { } users)
        {
            foreach (MqttUserProperty user in users)
            {
                Id(ref w, MqttPropertyId.UserProperty);
                w.WriteString(user.Name);
                w.WriteString(user.Value);
            }
        }
    }

    private static void Id(ref MqttSpanWriter w, MqttPropertyId id) => w.WriteByte((byte)id);

    private static int Fixed(bool present, MqttPropertyId id, int valueSize, int kind)
    {
        if (!present)
        {
            return 0;
        }

        Check(id, kind);
        return 1 + valueSize;
    }

    private static int Text(string? value, MqttPropertyId id, int kind)
    {
        if (value is null)
        {
            return 0;
        }

        Check(id, kind);
        return 1 + MqttEncoding.StringSize(value);
    }

    private static int Binary(ReadOnlyMemory<byte>? value, MqttPropertyId id, int kind)
    {
        if (value is not { } data)
        {
            return 0;
        }

        Check(id, kind);
        return 1 + MqttEncoding.BinarySize(data.Length);
    }

    private static void Check(MqttPropertyId id, int kind)
    {
        if (!MqttPropertyTable.IsAllowed((byte)id, kind))
        {
            throw new ArgumentException($"Property {id} is not allowed in {MqttPropertyReader.KindName(kind)} (MQTT 5.0 table 2-4).");
        }
    }
}
