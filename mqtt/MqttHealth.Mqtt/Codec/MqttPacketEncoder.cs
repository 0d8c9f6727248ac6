using System.Buffers;
using MqttHealth.Mqtt.Packets;
using MqttHealth.Mqtt.Protocol;
using MqttHealth.Mqtt.Topics;

namespace MqttHealth.Mqtt.Codec;

/// <summary>
/// Encodes packets into an <see cref="IBufferWriter{T}"/>. Each packet is measured first, then written in
/// one pass into one span (a PUBLISH payload is copied after it), so encoding allocates nothing.
/// Invalid input (a property the packet may not carry, QoS 1 without a Packet Identifier, a wildcard in a
/// Topic Name) is a caller's bug and throws <see cref="ArgumentException"/> before anything is written.
/// </summary>
public static class MqttPacketEncoder
{
    /// <summary>Writes <paramref name="packet"/> for a connection of <paramref name="version"/>; returns the bytes written.</summary>
    public static int Encode(MqttPacket packet, MqttProtocolVersion version, IBufferWriter<byte> output)
    {
        if (packet is PublishPacket publish)
        {
            return EncodePublish(publish, version, output);
        }

        int remaining = MeasureBody(packet, version);
        int total = HeaderSize(remaining) + remaining;
        Span<byte> span = output.GetSpan(total);
        var writer = new MqttSpanWriter(span);
        writer.WriteByte(FirstByte(packet));
        writer.WriteVariableByteInteger(remaining);
        WriteBody(ref writer, packet, version);
        output.Advance(total);
        return total;
    }

    /// <summary>The size <paramref name="packet"/> takes on the wire, fixed header included (what Maximum Packet Size limits).</summary>
    public static int GetPacketSize(MqttPacket packet, MqttProtocolVersion version)
    {
        int remaining = packet is PublishPacket publish ? MeasurePublish(publish, version, out _) : MeasureBody(packet, version);
        return HeaderSize(remaining) + remaining;
    }

    /// <summary>Writes a PUBLISH: the hot path of every sender.</summary>
    public static int EncodePublish(PublishPacket packet, MqttProtocolVersion version, IBufferWriter<byte> output)
    {
        int remaining = MeasurePublish(packet, version, out int propertiesSize);
        int payloadLength = packet.Payload.Length;
        int inline = HeaderSize(remaining) + remaining - payloadLength;
        Span<byte> span = output.GetSpan(inline);
        var w = new MqttSpanWriter(span);
        w.WriteByte(FirstByte(packet));
        w.WriteVariableByteInteger(remaining);
        w.WriteString(packet.Topic);
        if (packet.QoS != QualityOfService.AtMostOnce)
        {
            w.WriteUInt16(packet.PacketId);
        }

        if (version == MqttProtocolVersion.V500)
        {
            w.WriteVariableByteInteger(propertiesSize);
            MqttPropertyWriter.Write(ref w, packet.Properties);
        }

        output.Advance(inline);
        if (payloadLength > 0)
        {
            output.Write(packet.Payload.Span);
        }

        return inline + payloadLength;
    }

    private static int HeaderSize(int remaining) => 1 + MqttEncoding.VariableByteIntegerSize(remaining);

    private static byte FirstByte(MqttPacket packet)
    {
        int flags = packet switch
        {
            PublishPacket p => (p.Dup ? 0x08 : 0) | ((int)p.QoS << 1) | (p.Retain ? 0x01 : 0),
            PubRelPacket or SubscribePacket or UnsubscribePacket => 0x02,
            _ => 0,
        };
        return (byte)(((int)packet.Type << 4) | flags);
    }

    private static int PropertySection(int propertiesSize) => MqttEncoding.VariableByteIntegerSize(propertiesSize) + propertiesSize;

    private static int MeasurePublish(PublishPacket p, MqttProtocolVersion version, out int propertiesSize)
    {
        if (p.QoS > QualityOfService.ExactlyOnce)
        {
            throw new ArgumentException("QoS must be 0, 1 or 2 [MQTT-3.3.1-4].", nameof(p));
        }

        if (p.QoS == QualityOfService.AtMostOnce && p.Dup)
        {
            throw new ArgumentException("The DUP flag must be 0 for a QoS 0 message [MQTT-3.3.1-2].", nameof(p));
        }

        if (p.QoS != QualityOfService.AtMostOnce && p.PacketId == 0)
        {
            throw new ArgumentException("A QoS 1 or 2 PUBLISH needs a non-zero Packet Identifier [MQTT-2.2.1-3].", nameof(p));
        }

        if (p.Topic.Length == 0)
        {
            if (version == MqttProtocolVersion.V311 || p.Properties?.TopicAlias is null)
            {
                throw new ArgumentException("An empty Topic Name is allowed only in MQTT 5.0 with a Topic Alias.", nameof(p));
            }
        }
        else if (p.Topic.AsSpan().IndexOfAny('+', '#') >= 0)
        {
            throw new ArgumentException($"A Topic Name must not contain wildcards [MQTT-3.3.2-2]: '{p.Topic}'.", nameof(p));
        }

        int size = MqttEncoding.StringSize(p.Topic) + (p.QoS == QualityOfService.AtMostOnce ? 0 : 2) + p.Payload.Length;
        propertiesSize = 0;
        if (version == MqttProtocolVersion.V500)
        {
            propertiesSize = MqttPropertyWriter.GetSize(p.Properties, (int)MqttPacketType.Publish);
            size += PropertySection(propertiesSize);
        }

        return CheckRemaining(size);
    }

    private static int CheckRemaining(int size) =>
        size <= MqttFrameReader.MaxRemainingLength
            ? size
            : throw new ArgumentException($"The packet's Remaining Length {size} exceeds the MQTT maximum of 268,435,455 bytes.");

    private static int Props(MqttProperties? properties, MqttPacketType type, MqttProtocolVersion version) =>
        version == MqttProtocolVersion.V500 ? PropertySection(MqttPropertyWriter.GetSize(properties, (int)type)) : 0;

    private static int MeasureBody(MqttPacket packet, MqttProtocolVersion version)
    {
        bool v5 = version == MqttProtocolVersion.V500;
        int size;
        switch (packet)
        {
            case ConnectPacket c:
                size = MeasureConnect(c);
                break;
            case ConnAckPacket a:
                size = 2 + Props(a.Properties, MqttPacketType.ConnAck, version);
                break;
            case PublishAcknowledgementPacket ack:
                RequirePacketId(ack.PacketId, ack.Type);
                size = 2;
                if (v5)
                {
                    int props = MqttPropertyWriter.GetSize(ack.Properties, (int)ack.Type);
                    if (props > 0)
                    {
                        size += 1 + PropertySection(props);
                    }
                    else if (ack.ReasonCode != ReasonCode.Success)
                    {
                        size += 1;
                    }
                }

                break;
            case SubscribePacket s:
                RequirePacketId(s.PacketId, MqttPacketType.Subscribe);
                RequireEntries(s.Subscriptions.Count, MqttPacketType.Subscribe);
                size = 2 + Props(s.Properties, MqttPacketType.Subscribe, version);
                foreach (MqttSubscription subscription in s.Subscriptions)
                {
                    if (!MqttTopic.IsValidTopicFilter(subscription.TopicFilter))
                    {
                        throw new ArgumentException($"'{subscription.TopicFilter}' is not a valid Topic Filter.", nameof(packet));
                    }

                    size += MqttEncoding.StringSize(subscription.TopicFilter) + 1;
                }

                break;
            case SubAckPacket sa:
                RequirePacketId(sa.PacketId, MqttPacketType.SubAck);
                RequireEntries(sa.ReasonCodes.Count, MqttPacketType.SubAck);
                size = 2 + Props(sa.Properties, MqttPacketType.SubAck, version) + sa.ReasonCodes.Count;
                break;
            case UnsubscribePacket u:
                RequirePacketId(u.PacketId, MqttPacketType.Unsubscribe);
                RequireEntries(u.TopicFilters.Count, MqttPacketType.Unsubscribe);
                size = 2 + Props(u.Properties, MqttPacketType.Unsubscribe, version);
                foreach (string filter in u.TopicFilters)
                {
                    size += MqttEncoding.StringSize(filter);
                }

                break;
            case UnsubAckPacket ua:
                RequirePacketId(ua.PacketId, MqttPacketType.UnsubAck);
                size = 2;
                if (v5)
                {
                    RequireEntries(ua.ReasonCodes.Count, MqttPacketType.UnsubAck);
                    size += Props(ua.Properties, MqttPacketType.UnsubAck, version) + ua.ReasonCodes.Count;
                }

                break;
            case PingReqPacket or PingRespPacket:
                size = 0;
                break;
            case DisconnectPacket d:
                size = v5 ? MeasureReasonAndProperties(d.ReasonCode, d.Properties, MqttPacketType.Disconnect) : 0;
                break;
            case AuthPacket au:
                if (!v5)
                {
                    throw new ArgumentException("AUTH exists only in MQTT 5.0.", nameof(packet));
                }

                size = MeasureReasonAndProperties(au.ReasonCode, au.Properties, MqttPacketType.Auth);
                if (size > 0 && au.Properties?.AuthenticationMethod is null)
                {
                    // Only the empty short form (Success, no properties) may omit it (5.0 §3.15.2.2.2).
                    throw new ArgumentException("An AUTH packet must include the Authentication Method.", nameof(packet));
                }

                break;
            default:
                throw new ArgumentException($"Unknown packet type {packet.GetType().Name}.", nameof(packet));
        }

        return CheckRemaining(size);
    }

    private static int MeasureReasonAndProperties(ReasonCode code, MqttProperties? properties, MqttPacketType type)
    {
        int props = MqttPropertyWriter.GetSize(properties, (int)type);
        return props > 0 ? 1 + PropertySection(props) : code != ReasonCode.Success ? 1 : 0;
    }

    private static int MeasureConnect(ConnectPacket c)
    {
        bool v5 = c.ProtocolVersion == MqttProtocolVersion.V500;
        if (c.ProtocolVersion is not (MqttProtocolVersion.V311 or MqttProtocolVersion.V500))
        {
            throw new ArgumentException($"Protocol version {c.ProtocolVersion} is not supported.", nameof(c));
        }

        if (!v5 && c.Password is not null && c.UserName is null)
        {
            throw new ArgumentException("MQTT 3.1.1 does not allow a Password without a User Name [MQTT-3.1.2-22].", nameof(c));
        }

        int size = 2 + 4 + 1 + 1 + 2; // "MQTT", level, flags, keep alive
        if (v5)
        {
            size += PropertySection(MqttPropertyWriter.GetSize(c.Properties, (int)MqttPacketType.Connect));
        }

        size += MqttEncoding.StringSize(c.ClientId);
        if (c.Will is { } will)
        {
            if (!MqttTopic.IsValidTopicName(will.Topic))
            {
                throw new ArgumentException($"'{will.Topic}' is not a valid Will Topic.", nameof(c));
            }

            if (v5)
            {
                size += PropertySection(MqttPropertyWriter.GetSize(will.Properties, MqttPropertyTable.WillKind));
            }

            size += MqttEncoding.StringSize(will.Topic) + MqttEncoding.BinarySize(will.Payload.Length);
        }

        if (c.UserName is not null)
        {
            size += MqttEncoding.StringSize(c.UserName);
        }

        if (c.Password is { } password)
        {
            size += MqttEncoding.BinarySize(password.Length);
        }

        return size;
    }

    private static void RequirePacketId(ushort packetId, MqttPacketType type)
    {
        if (packetId == 0)
        {
            throw new ArgumentException($"{type} needs a non-zero Packet Identifier [MQTT-2.2.1-3].");
        }
    }

    private static void RequireEntries(int count, MqttPacketType type)
    {
        if (count == 0)
        {
            throw new ArgumentException($"{type} needs at least one entry.");
        }
    }

    private static void WriteBody(ref MqttSpanWriter w, MqttPacket packet, MqttProtocolVersion version)
    {
        bool v5 = version == MqttProtocolVersion.V500;
        switch (packet)
        {
            case ConnectPacket c:
                WriteConnect(ref w, c);
                break;
            case ConnAckPacket a:
                w.WriteByte(a.SessionPresent ? (byte)1 : (byte)0);
                w.WriteByte(v5 ? (byte)a.ReasonCode : (byte)ConnAckPacket.ToConnectReturnCode(a.ReasonCode));
                if (v5)
                {
                    WriteProperties(ref w, a.Properties, MqttPacketType.ConnAck);
                }

                break;
            case PublishAcknowledgementPacket ack:
                w.WriteUInt16(ack.PacketId);
                if (v5)
                {
                    WriteReasonAndProperties(ref w, ack.ReasonCode, ack.Properties, ack.Type);
                }

                break;
            case SubscribePacket s:
                w.WriteUInt16(s.PacketId);
                if (v5)
                {
                    WriteProperties(ref w, s.Properties, MqttPacketType.Subscribe);
                }

                foreach (MqttSubscription sub in s.Subscriptions)
                {
                    w.WriteString(sub.TopicFilter);
                    int options = (int)sub.MaximumQoS;
                    if (v5)
                    {
                        options |= (sub.NoLocal ? 0x04 : 0) | (sub.RetainAsPublished ? 0x08 : 0) | ((int)sub.RetainHandling << 4);
                    }

                    w.WriteByte((byte)options);
                }

                break;
            case SubAckPacket sa:
                w.WriteUInt16(sa.PacketId);
                if (v5)
                {
                    WriteProperties(ref w, sa.Properties, MqttPacketType.SubAck);
                }

                foreach (ReasonCode code in sa.ReasonCodes)
                {
                    w.WriteByte((byte)code);
                }

                break;
            case UnsubscribePacket u:
                w.WriteUInt16(u.PacketId);
                if (v5)
                {
                    WriteProperties(ref w, u.Properties, MqttPacketType.Unsubscribe);
                }

                foreach (string filter in u.TopicFilters)
                {
                    w.WriteString(filter);
                }

                break;
            case UnsubAckPacket ua:
                w.WriteUInt16(ua.PacketId);
                if (v5)
                {
                    WriteProperties(ref w, ua.Properties, MqttPacketType.UnsubAck);
                    foreach (ReasonCode code in ua.ReasonCodes)
                    {
                        w.WriteByte((byte)code);
                    }
                }

                break;
            case DisconnectPacket d:
                if (v5)
                {
                    WriteReasonAndProperties(ref w, d.ReasonCode, d.Properties, MqttPacketType.Disconnect);
                }

                break;
            case AuthPacket au:
                WriteReasonAndProperties(ref w, au.ReasonCode, au.Properties, MqttPacketType.Auth);
                break;
        }
    }

    private static void WriteProperties(ref MqttSpanWriter w, MqttProperties? properties, MqttPacketType type)
    {
        w.WriteVariableByteInteger(MqttPropertyWriter.GetSize(properties, (int)type));
        MqttPropertyWriter.Write(ref w, properties);
    }

    /// <summary>The short forms of 5.0 §3.4.2.1, §3.14.2.1, §3.15.2.1: omit what is Success and empty.</summary>
    private static void WriteReasonAndProperties(ref MqttSpanWriter w, ReasonCode code, MqttProperties? properties, MqttPacketType type)
    {
        int size = MqttPropertyWriter.GetSize(properties, (int)type);
        if (size > 0)
        {
            w.WriteByte((byte)code);
            w.WriteVariableByteInteger(size);
            MqttPropertyWriter.Write(ref w, properties);
        }
        else if (code != ReasonCode.Success)
        {
            w.WriteByte((byte)code);
        }
    }

    private static void WriteConnect(ref MqttSpanWriter w, ConnectPacket c)
    {
        bool v5 = c.ProtocolVersion == MqttProtocolVersion.V500;
        w.WriteString("MQTT");
        w.WriteByte((byte)c.ProtocolVersion);
        int flags = c.CleanStart ? 0x02 : 0;
        if (c.Will is { } will)
        {
            flags |= 0x04 | ((int)will.QoS << 3) | (will.Retain ? 0x20 : 0);
        }

        flags |= c.Password is not null ? 0x40 : 0;
        flags |= c.UserName is not null ? 0x80 : 0;
        w.WriteByte((byte)flags);
        w.WriteUInt16(c.KeepAlive);
        if (v5)
        {
            WriteProperties(ref w, c.Properties, MqttPacketType.Connect);
        }

        w.WriteString(c.ClientId);
        if (c.Will is { } w2)
        {
            if (v5)
            {
                w.WriteVariableByteInteger(MqttPropertyWriter.GetSize(w2.Properties, MqttPropertyTable.WillKind));
                MqttPropertyWriter.Write(ref w, w2.Properties);
            }

            w.WriteString(w2.Topic);
            w.WriteBinary(w2.Payload.Span);
        }

        if (c.UserName is not null)
        {
            w.WriteString(c.UserName);
        }

        if (c.Password is { } password)
        {
            w.WriteBinary(password.Span);
        }
    }
}
