using MqttHealth.Mqtt.Packets;
using MqttHealth.Mqtt.Protocol;

namespace MqttHealth.Mqtt.Tests.Codec;

/// <summary>
/// Structural equality of packets, field by field, with the path of the first difference in the failure
/// message. Byte contents (payloads, passwords, binary properties) are compared by value. A null property bag
/// and an empty one are equal, because both are a Property Length of 0 on the wire (5.0 §2.2.2.1); a null
/// Password or binary property and an empty one are not, because "absent" and "zero-length" differ on the wire.
/// </summary>
public static class PacketAssert
{
    public static void Equal(MqttPacket expected, MqttPacket actual)
    {
        Same(expected.GetType(), actual.GetType(), "packet class");
        Same(expected.Type, actual.Type, "Type");
        switch (expected)
        {
            case ConnectPacket e:
                var c = (ConnectPacket)actual;
                Same(e.ProtocolVersion, c.ProtocolVersion, "ProtocolVersion");
                Same(e.ClientId, c.ClientId, "ClientId");
                Same(e.CleanStart, c.CleanStart, "CleanStart");
                Same(e.KeepAlive, c.KeepAlive, "KeepAlive");
                Same(e.UserName, c.UserName, "UserName");
                Bytes(e.Password, c.Password, "Password");
                PropertiesEqual(e.Properties, c.Properties, "Properties");
                WillEqual(e.Will, c.Will);
                break;
            case ConnAckPacket e:
                var ca = (ConnAckPacket)actual;
                Same(e.SessionPresent, ca.SessionPresent, "SessionPresent");
                Same(e.ReasonCode, ca.ReasonCode, "ReasonCode");
                PropertiesEqual(e.Properties, ca.Properties, "Properties");
                break;
            case PublishPacket e:
                var p = (PublishPacket)actual;
                Same(e.Dup, p.Dup, "Dup");
                Same(e.QoS, p.QoS, "QoS");
                Same(e.Retain, p.Retain, "Retain");
                Same(e.Topic, p.Topic, "Topic");
                Same(e.PacketId, p.PacketId, "PacketId");
                Bytes(e.Payload, p.Payload, "Payload");
                PropertiesEqual(e.Properties, p.Properties, "Properties");
                break;
            case PublishAcknowledgementPacket e:
                var ack = (PublishAcknowledgementPacket)actual;
                Same(e.PacketId, ack.PacketId, "PacketId");
                Same(e.ReasonCode, ack.ReasonCode, "ReasonCode");
                PropertiesEqual(e.Properties, ack.Properties, "Properties");
                break;
            case SubscribePacket e:
                var s = (SubscribePacket)actual;
                Same(e.PacketId, s.PacketId, "PacketId");
                SequenceSame(e.Subscriptions, s.Subscriptions, "Subscriptions");
                PropertiesEqual(e.Properties, s.Properties, "Properties");
                break;
            case SubAckPacket e:
                var sa = (SubAckPacket)actual;
                Same(e.PacketId, sa.PacketId, "PacketId");
                SequenceSame(e.ReasonCodes, sa.ReasonCodes, "ReasonCodes");
                PropertiesEqual(e.Properties, sa.Properties, "Properties");
                break;
            case UnsubscribePacket e:
                var u = (UnsubscribePacket)actual;
                Same(e.PacketId, u.PacketId, "PacketId");
                SequenceSame(e.TopicFilters, u.TopicFilters, "TopicFilters");
                PropertiesEqual(e.Properties, u.Properties, "Properties");
                break;
            case UnsubAckPacket e:
                var ua = (UnsubAckPacket)actual;
                Same(e.PacketId, ua.PacketId, "PacketId");
                SequenceSame(e.ReasonCodes, ua.ReasonCodes, "ReasonCodes");
                PropertiesEqual(e.Properties, ua.Properties, "Properties");
                break;
            case PingReqPacket or PingRespPacket:
                break;
            case DisconnectPacket e:
                var d = (DisconnectPacket)actual;
                Same(e.ReasonCode, d.ReasonCode, "ReasonCode");
                PropertiesEqual(e.Properties, d.Properties, "Properties");
                break;
            case AuthPacket e:
                var a = (AuthPacket)actual;
                Same(e.ReasonCode, a.ReasonCode, "ReasonCode");
                PropertiesEqual(e.Properties, a.Properties, "Properties");
                break;
            default:
                Assert.Fail($"PacketAssert does not know {expected.GetType().Name}.");
                break;
        }
    }

    /// <summary>Compares every member of two property bags; null counts as empty.</summary>
    public static void PropertiesEqual(MqttProperties? expected, MqttProperties? actual, string path)
    {
        MqttProperties e = expected ?? new MqttProperties();
        MqttProperties a = actual ?? new MqttProperties();
        Same(e.PayloadFormatIndicator, a.PayloadFormatIndicator, path + ".PayloadFormatIndicator");
        Same(e.MessageExpiryInterval, a.MessageExpiryInterval, path + ".MessageExpiryInterval");
        Same(e.ContentType, a.ContentType, path + ".ContentType");
        Same(e.ResponseTopic, a.ResponseTopic, path + ".ResponseTopic");
        Bytes(e.CorrelationData, a.CorrelationData, path + ".CorrelationData");
        SequenceSame(e.SubscriptionIdentifiers, a.SubscriptionIdentifiers, path + ".SubscriptionIdentifiers");
        Same(e.SessionExpiryInterval, a.SessionExpiryInterval, path + ".SessionExpiryInterval");
        Same(e.AssignedClientIdentifier, a.AssignedClientIdentifier, path + ".AssignedClientIdentifier");
        Same(e.ServerKeepAlive, a.ServerKeepAlive, path + ".ServerKeepAlive");
        Same(e.AuthenticationMethod, a.AuthenticationMethod, path + ".AuthenticationMethod");
        Bytes(e.AuthenticationData, a.AuthenticationData, path + ".AuthenticationData");
        Same(e.RequestProblemInformation, a.RequestProblemInformation, path + ".RequestProblemInformation");
        Same(e.WillDelayInterval, a.WillDelayInterval, path + ".WillDelayInterval");
        Same(e.RequestResponseInformation, a.RequestResponseInformation, path + ".RequestResponseInformation");
        Same(e.ResponseInformation, a.ResponseInformation, path + ".ResponseInformation");
        Same(e.ServerReference, a.ServerReference, path + ".ServerReference");
        Same(e.ReasonString, a.ReasonString, path + ".ReasonString");
        Same(e.ReceiveMaximum, a.ReceiveMaximum, path + ".ReceiveMaximum");
        Same(e.TopicAliasMaximum, a.TopicAliasMaximum, path + ".TopicAliasMaximum");
        Same(e.TopicAlias, a.TopicAlias, path + ".TopicAlias");
        Same(e.MaximumQoS, a.MaximumQoS, path + ".MaximumQoS");
        Same(e.RetainAvailable, a.RetainAvailable, path + ".RetainAvailable");
        SequenceSame(e.UserProperties, a.UserProperties, path + ".UserProperties");
        Same(e.MaximumPacketSize, a.MaximumPacketSize, path + ".MaximumPacketSize");
        Same(e.WildcardSubscriptionAvailable, a.WildcardSubscriptionAvailable, path + ".WildcardSubscriptionAvailable");
        Same(e.SubscriptionIdentifierAvailable, a.SubscriptionIdentifierAvailable, path + ".SubscriptionIdentifierAvailable");
        Same(e.SharedSubscriptionAvailable, a.SharedSubscriptionAvailable, path + ".SharedSubscriptionAvailable");
        Same(e.IsEmpty, a.IsEmpty, path + ".IsEmpty");
    }

    private static void WillEqual(MqttWill? expected, MqttWill? actual)
    {
        if (expected is null || actual is null)
        {
            Same(expected is null, actual is null, "Will is null");
            return;
        }

        Same(expected.Topic, actual.Topic, "Will.Topic");
        Bytes(expected.Payload, actual.Payload, "Will.Payload");
        Same(expected.QoS, actual.QoS, "Will.QoS");
        Same(expected.Retain, actual.Retain, "Will.Retain");
        PropertiesEqual(expected.Properties, actual.Properties, "Will.Properties");
    }

    private static void Same<T>(T expected, T actual, string path)
    {
        if (!EqualityComparer<T>.Default.Equals(expected, actual))
        {
            Assert.Fail($"{path}: expected <{Show(expected)}>, actual <{Show(actual)}>.");
        }
    }

    private static void SequenceSame<T>(IList<T> expected, IList<T> actual, string path)
    {
        Same(expected.Count, actual.Count, path + ".Count");
        for (int i = 0; i < expected.Count; i++)
        {
            Same(expected[i], actual[i], $"{path}[{i}]");
        }
    }

    private static void Bytes(ReadOnlyMemory<byte>? expected, ReadOnlyMemory<byte>? actual, string path)
    {
        if (expected is not { } e || actual is not { } a)
        {
            Same(expected is null, actual is null, path + " is null");
            return;
        }

        Bytes(e, a, path);
    }

    private static void Bytes(ReadOnlyMemory<byte> expected, ReadOnlyMemory<byte> actual, string path)
    {
        Same(expected.Length, actual.Length, path + ".Length");
        int index = expected.Span.CommonPrefixLength(actual.Span);
        if (index < expected.Length)
        {
            Assert.Fail($"{path}: first difference at byte {index}: expected 0x{expected.Span[index]:X2}, actual 0x{actual.Span[index]:X2}.");
        }
    }

    private static string Show<T>(T value) => value is null ? "null" : value.ToString() ?? string.Empty;
}
