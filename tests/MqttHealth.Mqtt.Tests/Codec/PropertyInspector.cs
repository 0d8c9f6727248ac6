using MqttHealth.Mqtt.Packets;
using MqttHealth.Mqtt.Protocol;

namespace MqttHealth.Mqtt.Tests.Codec;

/// <summary>Which MQTT 5.0 properties a packet carries, and where: used to check the catalogue's coverage claims.</summary>
public static class PropertyInspector
{
    /// <summary>The pseudo kind of the Will Properties, as in <see cref="MqttPropertyTable.WillKind"/>.</summary>
    public const int WillKind = 0;

    /// <summary>Each property section of <paramref name="packet"/>: the packet kind (packet type, or 0 for the Will) and its bag.</summary>
    public static IEnumerable<(int Kind, MqttProperties? Properties)> Sections(MqttPacket packet)
    {
        int kind = (int)packet.Type;
        switch (packet)
        {
            case ConnectPacket c:
                yield return (kind, c.Properties);
                if (c.Will is { } will)
                {
                    yield return (WillKind, will.Properties);
                }

                break;
            case ConnAckPacket a:
                yield return (kind, a.Properties);
                break;
            case PublishPacket p:
                yield return (kind, p.Properties);
                break;
            case PublishAcknowledgementPacket ack:
                yield return (kind, ack.Properties);
                break;
            case SubscribePacket s:
                yield return (kind, s.Properties);
                break;
            case SubAckPacket sa:
                yield return (kind, sa.Properties);
                break;
            case UnsubscribePacket u:
                yield return (kind, u.Properties);
                break;
            case UnsubAckPacket ua:
                yield return (kind, ua.Properties);
                break;
            case DisconnectPacket d:
                yield return (kind, d.Properties);
                break;
            case AuthPacket au:
                yield return (kind, au.Properties);
                break;
        }
    }

    /// <summary>The identifiers of the properties present in <paramref name="p"/> (each once).</summary>
    public static HashSet<MqttPropertyId> PresentIds(MqttProperties? p)
    {
        var ids = new HashSet<MqttPropertyId>();
        if (p is null)
        {
            return ids;
        }

        void Add(bool present, MqttPropertyId id)
        {
            if (present)
            {
                ids.Add(id);
            }
        }

        Add(p.PayloadFormatIndicator is not null, MqttPropertyId.PayloadFormatIndicator);
        Add(p.MessageExpiryInterval is not null, MqttPropertyId.MessageExpiryInterval);
        Add(p.ContentType is not null, MqttPropertyId.ContentType);
        Add(p.ResponseTopic is not null, MqttPropertyId.ResponseTopic);
        Add(p.CorrelationData is not null, MqttPropertyId.CorrelationData);
        Add(p.SubscriptionIdentifiers.Count > 0, MqttPropertyId.SubscriptionIdentifier);
        Add(p.SessionExpiryInterval is not null, MqttPropertyId.SessionExpiryInterval);
        Add(p.AssignedClientIdentifier is not null, MqttPropertyId.AssignedClientIdentifier);
        Add(p.ServerKeepAlive is not null, MqttPropertyId.ServerKeepAlive);
        Add(p.AuthenticationMethod is not null, MqttPropertyId.AuthenticationMethod);
        Add(p.AuthenticationData is not null, MqttPropertyId.AuthenticationData);
        Add(p.RequestProblemInformation is not null, MqttPropertyId.RequestProblemInformation);
        Add(p.WillDelayInterval is not null, MqttPropertyId.WillDelayInterval);
        Add(p.RequestResponseInformation is not null, MqttPropertyId.RequestResponseInformation);
        Add(p.ResponseInformation is not null, MqttPropertyId.ResponseInformation);
        Add(p.ServerReference is not null, MqttPropertyId.ServerReference);
        Add(p.ReasonString is not null, MqttPropertyId.ReasonString);
        Add(p.ReceiveMaximum is not null, MqttPropertyId.ReceiveMaximum);
        Add(p.TopicAliasMaximum is not null, MqttPropertyId.TopicAliasMaximum);
        Add(p.TopicAlias is not null, MqttPropertyId.TopicAlias);
        Add(p.MaximumQoS is not null, MqttPropertyId.MaximumQoS);
        Add(p.RetainAvailable is not null, MqttPropertyId.RetainAvailable);
        Add(p.UserProperties.Count > 0, MqttPropertyId.UserProperty);
        Add(p.MaximumPacketSize is not null, MqttPropertyId.MaximumPacketSize);
        Add(p.WildcardSubscriptionAvailable is not null, MqttPropertyId.WildcardSubscriptionAvailable);
        Add(p.SubscriptionIdentifierAvailable is not null, MqttPropertyId.SubscriptionIdentifierAvailable);
        Add(p.SharedSubscriptionAvailable is not null, MqttPropertyId.SharedSubscriptionAvailable);
        return ids;
    }
}
