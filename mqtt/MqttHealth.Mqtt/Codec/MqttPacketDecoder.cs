using System.Buffers;
using MqttHealth.Mqtt.Packets;
using MqttHealth.Mqtt.Protocol;
using MqttHealth.Mqtt.Topics;

namespace MqttHealth.Mqtt.Codec;

/// <summary>
/// Decodes one framed packet (see <see cref="MqttFrameReader"/>) into its packet type, checking every rule
/// of the MQTT 3.1.1 and 5.0 specifications that can be checked from the packet alone. A violation throws
/// <see cref="MqttProtocolException"/> with the reason code to answer with and the normative statement id.
/// Rules that need connection state (a second CONNECT, an unknown topic alias, a packet id already in use)
/// are the broker's and the client's.
/// </summary>
public static class MqttPacketDecoder
{
    /// <summary>Decodes any packet. For CONNECT the version is taken from the packet itself.</summary>
    /// <param name="frame">The framed packet.</param>
    /// <param name="version">The connection's protocol version (ignored for CONNECT).</param>
    /// <param name="direction">Who sent it; <see cref="PacketDirection.Unspecified"/> checks only the rules common to both sides.</param>
    public static MqttPacket Decode(in MqttFrame frame, MqttProtocolVersion version, PacketDirection direction = PacketDirection.Unspecified)
    {
        try
        {
            return DecodeCore(frame, version, direction);
        }
        catch (MqttProtocolException e) when (MqttV311NormativeIds.Applies(frame, version, e))
        {
            throw MqttV311NormativeIds.Translate(frame, e);
        }
    }

    /// <summary>
    /// Decodes and validates a PUBLISH without copying or allocating: topic, properties and payload stay
    /// slices of the frame's buffer. This is the broker's hot path.
    /// </summary>
    public static PublishPacketView DecodePublish(in MqttFrame frame, MqttProtocolVersion version, PacketDirection direction = PacketDirection.Unspecified)
    {
        if (frame.Type != MqttPacketType.Publish)
        {
            throw new ArgumentException($"Expected a PUBLISH frame, got {frame.Type}.", nameof(frame));
        }

        try
        {
            return DecodePublishCore(frame, version, direction);
        }
        catch (MqttProtocolException e) when (MqttV311NormativeIds.Applies(frame, version, e))
        {
            throw MqttV311NormativeIds.Translate(frame, e);
        }
    }

    private static MqttPacket DecodeCore(in MqttFrame frame, MqttProtocolVersion version, PacketDirection direction)
    {
        MqttPacketType type = frame.Type;
        CheckTypeAndFlags(frame, version, direction);
        var reader = new MqttBodyReader(frame.Body);
        MqttPacket packet = type switch
        {
            MqttPacketType.Connect => ReadConnect(ref reader),
            MqttPacketType.ConnAck => ReadConnAck(ref reader, version),
            MqttPacketType.Publish => DecodePublishCore(frame, version, direction).ToPacket(),
            MqttPacketType.PubAck => ReadPublishAcknowledgement(ref reader, new PubAckPacket(), version),
            MqttPacketType.PubRec => ReadPublishAcknowledgement(ref reader, new PubRecPacket(), version),
            MqttPacketType.PubRel => ReadPublishAcknowledgement(ref reader, new PubRelPacket(), version),
            MqttPacketType.PubComp => ReadPublishAcknowledgement(ref reader, new PubCompPacket(), version),
            MqttPacketType.Subscribe => ReadSubscribe(ref reader, version),
            MqttPacketType.SubAck => ReadSubAck(ref reader, version),
            MqttPacketType.Unsubscribe => ReadUnsubscribe(ref reader, version),
            MqttPacketType.UnsubAck => ReadUnsubAck(ref reader, version),
            MqttPacketType.PingReq => PingReqPacket.Instance,
            MqttPacketType.PingResp => PingRespPacket.Instance,
            MqttPacketType.Disconnect => ReadDisconnect(ref reader, version, direction),
            _ => ReadAuth(ref reader, direction),
        };

        if (type != MqttPacketType.Publish)
        {
            reader.ExpectEnd(type);
        }

        return packet;
    }

    private static PublishPacketView DecodePublishCore(in MqttFrame frame, MqttProtocolVersion version, PacketDirection direction)
    {
        int flags = frame.Flags;
        int qos = (flags >> 1) & 0x03;
        if (qos == 3)
        {
            MqttThrow.Malformed("MQTT-3.3.1-4", "A PUBLISH packet must not have both QoS bits set to 1.");
        }

        if (qos == 0 && (flags & 0x08) != 0)
        {
            MqttThrow.Malformed("MQTT-3.3.1-2", "The DUP flag must be 0 for a QoS 0 message.");
        }

        var reader = new MqttBodyReader(frame.Body);
        ReadOnlySequence<byte> topic = reader.ReadUtf8Slice("Topic Name");
        if (!topic.IsEmpty)
        {
            MqttTopic.ValidateTopicName(topic.IsSingleSegment ? topic.FirstSpan : topic.ToArray());
        }
        else if (version == MqttProtocolVersion.V311)
        {
            MqttThrow.ProtocolError("MQTT-4.7.3-1", "A Topic Name must be at least one character long.");
        }

        ushort packetId = 0;
        if (qos > 0)
        {
            packetId = ReadPacketId(ref reader, MqttPacketType.Publish, direction);
        }

        ReadOnlySequence<byte> properties = default;
        var summary = default(PublishPropertySummary);
        if (version == MqttProtocolVersion.V500)
        {
            int length = reader.ReadVariableByteInteger("Property Length");
            properties = reader.ReadSlice(length, "properties");
            var propertyReader = new MqttBodyReader(properties);
            MqttPropertyReader.ReadBody(ref propertyReader, (int)MqttPacketType.Publish, null, ref summary);
            if (topic.IsEmpty && summary.TopicAlias == 0)
            {
                MqttThrow.ProtocolError(string.Empty, "A zero-length Topic Name is allowed only together with a Topic Alias.");
            }

            if (summary.SubscriptionIdentifierCount > 0 && direction == PacketDirection.ClientToServer)
            {
                MqttThrow.ProtocolError("MQTT-3.3.4-6", "A PUBLISH from a Client must not contain a Subscription Identifier.");
            }
        }

        return new PublishPacketView((byte)flags, topic, packetId, properties, reader.ReadRest(), summary);
    }

    private static void CheckTypeAndFlags(in MqttFrame frame, MqttProtocolVersion version, PacketDirection direction)
    {
        MqttPacketType type = frame.Type;
        if (type == 0 || (type == MqttPacketType.Auth && version == MqttProtocolVersion.V311))
        {
            MqttThrow.Malformed(string.Empty, $"Packet type {(int)type} is reserved{(type == 0 ? string.Empty : " in MQTT 3.1.1")}.");
        }

        bool clientOnly = type is MqttPacketType.Connect or MqttPacketType.Subscribe or MqttPacketType.Unsubscribe or MqttPacketType.PingReq;
        bool serverOnly = type is MqttPacketType.ConnAck or MqttPacketType.SubAck or MqttPacketType.UnsubAck or MqttPacketType.PingResp;
        if ((direction == PacketDirection.ClientToServer && serverOnly) || (direction == PacketDirection.ServerToClient && clientOnly)
            || (direction == PacketDirection.ServerToClient && type == MqttPacketType.Disconnect && version == MqttProtocolVersion.V311))
        {
            MqttThrow.ProtocolError(string.Empty, $"A {(direction == PacketDirection.ClientToServer ? "Client" : "Server")} must not send a {type} packet.");
        }

        int expected = type is MqttPacketType.PubRel or MqttPacketType.Subscribe or MqttPacketType.Unsubscribe ? 0x02 : 0x00;
        if (type != MqttPacketType.Publish && frame.Flags != expected)
        {
            string id = type switch
            {
                MqttPacketType.PubRel => "MQTT-3.6.1-1",
                MqttPacketType.Subscribe => "MQTT-3.8.1-1",
                MqttPacketType.Unsubscribe => "MQTT-3.10.1-1",
                MqttPacketType.Disconnect => "MQTT-3.14.1-1",
                MqttPacketType.Auth => "MQTT-3.15.1-1",
                _ => "MQTT-2.1.3-1",
            };
            MqttThrow.Malformed(id, $"The fixed header flags of {type} must be 0x{expected:X}, not 0x{frame.Flags:X}.");
        }
    }

    private static ushort ReadPacketId(ref MqttBodyReader reader, MqttPacketType type, PacketDirection direction = PacketDirection.Unspecified)
    {
        ushort id = reader.ReadUInt16("Packet Identifier");
        if (id == 0)
        {
            // The statement that rules 0 out: a Client [MQTT-2.2.1-3] or a Server PUBLISH [MQTT-2.2.1-4] assigns a
            // non-zero id, and an acknowledgement repeats the id of its request [MQTT-2.2.1-5], [MQTT-2.2.1-6].
            string normativeId = type switch
            {
                MqttPacketType.PubAck or MqttPacketType.PubRec or MqttPacketType.PubRel or MqttPacketType.PubComp => "MQTT-2.2.1-5",
                MqttPacketType.SubAck or MqttPacketType.UnsubAck => "MQTT-2.2.1-6",
                MqttPacketType.Publish when direction == PacketDirection.ServerToClient => "MQTT-2.2.1-4",
                _ => "MQTT-2.2.1-3",
            };
            MqttThrow.ProtocolError(normativeId, $"The Packet Identifier of {type} must be non-zero.");
        }

        return id;
    }

    private static MqttProperties? ReadProperties(ref MqttBodyReader reader, int kind)
    {
        var properties = new MqttProperties();
        var summary = default(PublishPropertySummary);
        MqttPropertyReader.Read(ref reader, kind, properties, ref summary);
        return properties.IsEmpty ? null : properties;
    }

    private static ConnectPacket ReadConnect(ref MqttBodyReader reader)
    {
        ReadOnlySequence<byte> name = reader.ReadUtf8Slice("Protocol Name");
        byte level = reader.ReadByte("Protocol Level");
        ReadOnlySpan<byte> nameBytes = name.IsSingleSegment ? name.FirstSpan : name.ToArray();
        if (!nameBytes.SequenceEqual("MQTT"u8))
        {
            if (nameBytes.SequenceEqual("MQIsdp"u8))
            {
                MqttThrow.Error(ReasonCode.UnsupportedProtocolVersion, "MQTT-3.1.2-2", "MQTT 3.1 (protocol name MQIsdp) is not supported; use MQTT 3.1.1 or 5.0.");
            }

            // 5.0 §3.1.2.1 names the answer: CONNACK 0x84 (Unsupported Protocol Version) [MQTT-3.1.2-1].
            MqttThrow.Error(ReasonCode.UnsupportedProtocolVersion, "MQTT-3.1.2-1", $"The Protocol Name must be \"MQTT\", not \"{MqttBodyReader.Decode(name)}\".");
        }

        if (level is not 4 and not 5)
        {
            MqttThrow.Error(ReasonCode.UnsupportedProtocolVersion, "MQTT-3.1.2-2", $"Protocol Level {level} is not supported; only 4 (3.1.1) and 5 (5.0) are.");
        }

        var version = (MqttProtocolVersion)level;
        byte flags = reader.ReadByte("Connect Flags");
        if ((flags & 0x01) != 0)
        {
            MqttThrow.Malformed("MQTT-3.1.2-3", "The reserved bit 0 of the Connect Flags must be 0.");
        }

        bool willFlag = (flags & 0x04) != 0;
        int willQoS = (flags >> 3) & 0x03;
        bool willRetain = (flags & 0x20) != 0;
        bool passwordFlag = (flags & 0x40) != 0;
        bool userNameFlag = (flags & 0x80) != 0;
        if (!willFlag && willQoS != 0)
        {
            MqttThrow.Malformed("MQTT-3.1.2-11", "Will QoS must be 0 when the Will Flag is 0.");
        }

        if (willQoS == 3)
        {
            MqttThrow.Malformed("MQTT-3.1.2-12", "Will QoS must not be 3.");
        }

        if (!willFlag && willRetain)
        {
            MqttThrow.Malformed("MQTT-3.1.2-13", "Will Retain must be 0 when the Will Flag is 0.");
        }

        if (version == MqttProtocolVersion.V311 && passwordFlag && !userNameFlag)
        {
            MqttThrow.Malformed("MQTT-3.1.2-22", "In MQTT 3.1.1 the Password Flag must be 0 when the User Name Flag is 0.");
        }

        var packet = new ConnectPacket
        {
            ProtocolVersion = version,
            CleanStart = (flags & 0x02) != 0,
            KeepAlive = reader.ReadUInt16("Keep Alive"),
        };
        if (version == MqttProtocolVersion.V500)
        {
            packet.Properties = ReadProperties(ref reader, (int)MqttPacketType.Connect);
            if (packet.Properties is { AuthenticationData: not null, AuthenticationMethod: null })
            {
                MqttThrow.ProtocolError(string.Empty, "Authentication Data must not be sent without an Authentication Method (5.0 §3.1.2.11.10).");
            }
        }

        packet.ClientId = reader.ReadString("Client Identifier");
        if (willFlag)
        {
            var will = new MqttWill { QoS = (QualityOfService)willQoS, Retain = willRetain };
            if (version == MqttProtocolVersion.V500)
            {
                will.Properties = ReadProperties(ref reader, MqttPropertyTable.WillKind);
            }

            ReadOnlySequence<byte> willTopic = reader.ReadUtf8Slice("Will Topic");
            // [MQTT-3.3.2-2] speaks of the PUBLISH packet; the Will Topic falls under the general rule that a
            // Topic Name has no wildcards [MQTT-4.7.0-1].
            MqttTopic.ValidateTopicName(willTopic.IsSingleSegment ? willTopic.FirstSpan : willTopic.ToArray(), "MQTT-4.7.0-1");
            will.Topic = MqttBodyReader.Decode(willTopic);
            will.Payload = reader.ReadBinary("Will Payload");
            packet.Will = will;
        }

        if (userNameFlag)
        {
            packet.UserName = reader.ReadString("User Name");
        }

        if (passwordFlag)
        {
            packet.Password = reader.ReadBinary("Password");
        }

        return packet;
    }

    private static ConnAckPacket ReadConnAck(ref MqttBodyReader reader, MqttProtocolVersion version)
    {
        byte ackFlags = reader.ReadByte("Connect Acknowledge Flags");
        if ((ackFlags & 0xFE) != 0)
        {
            MqttThrow.Malformed("MQTT-3.2.2-1", "Bits 7-1 of the Connect Acknowledge Flags are reserved and must be 0.");
        }

        byte code = reader.ReadByte("Connect Reason Code");
        var packet = new ConnAckPacket { SessionPresent = ackFlags == 1 };
        if (version == MqttProtocolVersion.V311)
        {
            if (code > 5)
            {
                // Same class as an unknown 5.0 CONNACK Reason Code: the packet parses, the value is not allowed.
                MqttThrow.ProtocolError(string.Empty, $"0x{code:X2} is not an MQTT 3.1.1 Connect Return Code (6-255 are reserved).");
            }

            packet.ReasonCode = ConnAckPacket.FromConnectReturnCode((ConnectReturnCode)code);
        }
        else
        {
            CheckReasonCode(MqttPacketType.ConnAck, code, "MQTT-3.2.2-8");
            packet.ReasonCode = (ReasonCode)code;
            packet.Properties = ReadProperties(ref reader, (int)MqttPacketType.ConnAck);
        }

        if (packet.SessionPresent && packet.ReasonCode != ReasonCode.Success)
        {
            MqttThrow.ProtocolError("MQTT-3.2.2-6", "Session Present must be 0 when the CONNACK refuses the connection.");
        }

        return packet;
    }

    private static T ReadPublishAcknowledgement<T>(ref MqttBodyReader reader, T packet, MqttProtocolVersion version)
        where T : PublishAcknowledgementPacket
    {
        packet.PacketId = ReadPacketId(ref reader, packet.Type);
        if (version == MqttProtocolVersion.V500 && !reader.End)
        {
            byte code = reader.ReadByte("Reason Code");
            CheckReasonCode(packet.Type, code, packet.Type switch
            {
                MqttPacketType.PubAck => "MQTT-3.4.2-1",
                MqttPacketType.PubRec => "MQTT-3.5.2-1",
                MqttPacketType.PubRel => "MQTT-3.6.2-1",
                _ => "MQTT-3.7.2-1",
            });
            packet.ReasonCode = (ReasonCode)code;
            if (!reader.End)
            {
                packet.Properties = ReadProperties(ref reader, (int)packet.Type);
            }
        }

        return packet;
    }

    private static SubscribePacket ReadSubscribe(ref MqttBodyReader reader, MqttProtocolVersion version)
    {
        var packet = new SubscribePacket { PacketId = ReadPacketId(ref reader, MqttPacketType.Subscribe) };
        if (version == MqttProtocolVersion.V500)
        {
            packet.Properties = ReadProperties(ref reader, (int)MqttPacketType.Subscribe);
        }

        if (reader.End)
        {
            MqttThrow.ProtocolError("MQTT-3.8.3-2", "A SUBSCRIBE packet must contain at least one Topic Filter.");
        }

        var subscriptions = new List<MqttSubscription>();
        while (!reader.End)
        {
            ReadOnlySequence<byte> filterBytes = reader.ReadUtf8Slice("Topic Filter");
            ReadOnlySpan<byte> filterSpan = filterBytes.IsSingleSegment ? filterBytes.FirstSpan : filterBytes.ToArray();
            MqttTopic.ValidateTopicFilter(filterSpan);
            byte options = reader.ReadByte("Subscription Options");
            int qos = options & 0x03;
            if (version == MqttProtocolVersion.V311)
            {
                if ((options & 0xFC) != 0)
                {
                    MqttThrow.Malformed("MQTT-3-8.3-4", "Bits 7-2 of a 3.1.1 Requested QoS byte are reserved and must be 0.");
                }
            }
            else if ((options & 0xC0) != 0)
            {
                MqttThrow.Malformed("MQTT-3.8.3-5", "Bits 7-6 of the Subscription Options are reserved and must be 0.");
            }

            if (qos == 3)
            {
                if (version == MqttProtocolVersion.V311)
                {
                    MqttThrow.Malformed("MQTT-3-8.3-4", "The Requested QoS of a subscription must not be 3.");
                }

                MqttThrow.ProtocolError(string.Empty, "The Maximum QoS of a subscription must not be 3.");
            }

            bool noLocal = (options & 0x04) != 0;
            int retainHandling = (options >> 4) & 0x03;
            if (retainHandling == 3)
            {
                MqttThrow.ProtocolError(string.Empty, "Retain Handling must not be 3.");
            }

            if (noLocal && filterSpan.StartsWith(MqttTopic.SharePrefix))
            {
                MqttThrow.ProtocolError("MQTT-3.8.3-4", "No Local must not be set on a Shared Subscription.");
            }

            subscriptions.Add(new MqttSubscription(
                MqttBodyReader.Decode(filterBytes),
                (QualityOfService)qos,
                noLocal,
                (options & 0x08) != 0,
                (RetainHandling)retainHandling));
        }

        packet.Subscriptions = subscriptions;
        return packet;
    }

    private static SubAckPacket ReadSubAck(ref MqttBodyReader reader, MqttProtocolVersion version)
    {
        var packet = new SubAckPacket { PacketId = ReadPacketId(ref reader, MqttPacketType.SubAck) };
        if (version == MqttProtocolVersion.V500)
        {
            packet.Properties = ReadProperties(ref reader, (int)MqttPacketType.SubAck);
        }

        if (reader.End)
        {
            MqttThrow.ProtocolError("MQTT-3.8.4-6", "A SUBACK packet must contain a Reason Code for each Topic Filter.");
        }

        var codes = new List<ReasonCode>();
        while (!reader.End)
        {
            byte code = reader.ReadByte("SUBACK Reason Code");
            if (version == MqttProtocolVersion.V311)
            {
                if (code is not (0x00 or 0x01 or 0x02 or 0x80))
                {
                    MqttThrow.ProtocolError("MQTT-3.9.3-2", $"0x{code:X2} is not an MQTT 3.1.1 SUBACK return code.");
                }
            }
            else
            {
                CheckReasonCode(MqttPacketType.SubAck, code, "MQTT-3.9.3-2");
            }

            codes.Add((ReasonCode)code);
        }

        packet.ReasonCodes = codes;
        return packet;
    }

    private static UnsubscribePacket ReadUnsubscribe(ref MqttBodyReader reader, MqttProtocolVersion version)
    {
        var packet = new UnsubscribePacket { PacketId = ReadPacketId(ref reader, MqttPacketType.Unsubscribe) };
        if (version == MqttProtocolVersion.V500)
        {
            packet.Properties = ReadProperties(ref reader, (int)MqttPacketType.Unsubscribe);
        }

        if (reader.End)
        {
            MqttThrow.ProtocolError("MQTT-3.10.3-2", "An UNSUBSCRIBE packet must contain at least one Topic Filter.");
        }

        var filters = new List<string>();
        while (!reader.End)
        {
            ReadOnlySequence<byte> filter = reader.ReadUtf8Slice("Topic Filter");
            MqttTopic.ValidateTopicFilter(filter.IsSingleSegment ? filter.FirstSpan : filter.ToArray());
            filters.Add(MqttBodyReader.Decode(filter));
        }

        packet.TopicFilters = filters;
        return packet;
    }

    private static UnsubAckPacket ReadUnsubAck(ref MqttBodyReader reader, MqttProtocolVersion version)
    {
        var packet = new UnsubAckPacket { PacketId = ReadPacketId(ref reader, MqttPacketType.UnsubAck) };
        if (version == MqttProtocolVersion.V311)
        {
            return packet;
        }

        packet.Properties = ReadProperties(ref reader, (int)MqttPacketType.UnsubAck);
        if (reader.End)
        {
            MqttThrow.ProtocolError("MQTT-3.11.3-2", "An UNSUBACK packet must contain a Reason Code for each Topic Filter.");
        }

        var codes = new List<ReasonCode>();
        while (!reader.End)
        {
            byte code = reader.ReadByte("UNSUBACK Reason Code");
            CheckReasonCode(MqttPacketType.UnsubAck, code, "MQTT-3.11.3-2");
            codes.Add((ReasonCode)code);
        }

        packet.ReasonCodes = codes;
        return packet;
    }

    private static DisconnectPacket ReadDisconnect(ref MqttBodyReader reader, MqttProtocolVersion version, PacketDirection direction)
    {
        var packet = new DisconnectPacket();
        if (version == MqttProtocolVersion.V311 || reader.End)
        {
            return packet;
        }

        byte code = reader.ReadByte("Disconnect Reason Code");
        CheckReasonCode(MqttPacketType.Disconnect, code, "MQTT-3.14.2-1");
        var reason = (ReasonCode)code;
        if ((direction == PacketDirection.ClientToServer && !ReasonCodes.IsAllowedInDisconnectFromClient(reason))
            || (direction == PacketDirection.ServerToClient && !ReasonCodes.IsAllowedInDisconnectFromServer(reason)))
        {
            MqttThrow.ProtocolError("MQTT-3.14.2-1", $"Disconnect Reason Code 0x{code:X2} may not be sent by the {(direction == PacketDirection.ClientToServer ? "Client" : "Server")}.");
        }

        packet.ReasonCode = reason;
        if (!reader.End)
        {
            packet.Properties = ReadProperties(ref reader, (int)MqttPacketType.Disconnect);
        }

        if (direction == PacketDirection.ServerToClient && packet.Properties?.SessionExpiryInterval is not null)
        {
            MqttThrow.ProtocolError("MQTT-3.14.2-2", "The Server must not send a Session Expiry Interval in DISCONNECT.");
        }

        return packet;
    }

    private static AuthPacket ReadAuth(ref MqttBodyReader reader, PacketDirection direction)
    {
        var packet = new AuthPacket();
        bool shortForm = reader.End;
        byte code = shortForm ? (byte)0 : reader.ReadByte("Authenticate Reason Code");
        CheckReasonCode(MqttPacketType.Auth, code, "MQTT-3.15.2-1");

        // Table 3-11, "Sent by": Success (0x00) only by the Server, Re-authenticate (0x19) only by the Client.
        if ((direction == PacketDirection.ClientToServer && code == (byte)ReasonCode.Success)
            || (direction == PacketDirection.ServerToClient && code == (byte)ReasonCode.ReAuthenticate))
        {
            MqttThrow.ProtocolError("MQTT-3.15.2-1", $"Authenticate Reason Code 0x{code:X2} may not be sent by the {(direction == PacketDirection.ClientToServer ? "Client" : "Server")}.");
        }

        packet.ReasonCode = (ReasonCode)code;
        if (shortForm)
        {
            return packet;
        }

        if (!reader.End)
        {
            packet.Properties = ReadProperties(ref reader, (int)MqttPacketType.Auth);
        }

        // Omitting the Authentication Method is a Protocol Error (5.0 §3.15.2.2.2); only the Remaining Length 0
        // short form (Success without properties, §3.15.2.1) has no property section at all.
        if (packet.Properties?.AuthenticationMethod is null)
        {
            MqttThrow.ProtocolError(string.Empty, "An AUTH packet must include the Authentication Method (5.0 §3.15.2.2.2).");
        }

        return packet;
    }

    private static void CheckReasonCode(MqttPacketType type, byte code, string normativeId)
    {
        if (!ReasonCodes.IsAllowed(type, (ReasonCode)code))
        {
            MqttThrow.ProtocolError(normativeId, $"0x{code:X2} is not a valid Reason Code for {type}.");
        }
    }
}
