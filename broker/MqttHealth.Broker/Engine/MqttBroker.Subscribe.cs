using MqttHealth.Broker.Messages;
using MqttHealth.Broker.Routing;
using MqttHealth.Broker.Storage;
using MqttHealth.Mqtt.Packets;
using MqttHealth.Mqtt.Protocol;

namespace MqttHealth.Broker.Engine;

/// <summary>SUBSCRIBE and UNSUBSCRIBE, and retained messages sent on subscribe.</summary>
public sealed partial class MqttBroker
{
    private readonly List<BrokerMessage> _retainedMatches = [];

    private void OnSubscribeLocked(MqttConnection c, Session session, SubscribePacket subscribe)
    {
        uint? subscriptionId = subscribe.Properties is { SubscriptionIdentifiers.Count: > 0 } p ? p.SubscriptionIdentifiers[0] : null;
        foreach (var requested in subscribe.Subscriptions)
        {
            if (requested.NoLocal && requested.TopicFilter.StartsWith("$share/", StringComparison.Ordinal))
            {
                throw new MqttProtocolException(ReasonCode.ProtocolError, "MQTT-3.8.3-4", "No Local cannot be set on a shared subscription.");
            }
        }

        var ops = session.IsDurable ? new List<StoreOperation>() : null;
        var reasons = new List<ReasonCode>(subscribe.Subscriptions.Count);
        List<(SubscriptionEntry<Session> Entry, bool IsNew)>? retainedFor = null;
        foreach (var requested in subscribe.Subscriptions)
        {
            ReasonCode? limit = ExceedsTopicLimits(requested.TopicFilter) ? ReasonCode.TopicFilterInvalid
                : AtSubscriptionLimit(session, requested.TopicFilter) ? ReasonCode.QuotaExceeded
                : null;
            if (limit is { } refused)
            {
                // Broker:Limits. 5.0: 0x8F Topic Filter invalid or 0x97 Quota exceeded; 3.1.1: 0x80 Failure.
                reasons.Add(c.Version == MqttProtocolVersion.V500 ? refused : ReasonCode.UnspecifiedError);
                continue;
            }

            if (!AuthorizeSubscriptionLocked(c, requested.TopicFilter))
            {
                // 5.0: 0x87 Not authorized; 3.1.1: 0x80 Failure [MQTT-3.9.3-2]. The filter is not subscribed.
                reasons.Add(c.Version == MqttProtocolVersion.V500 ? ReasonCode.NotAuthorized : ReasonCode.UnspecifiedError);
                continue;
            }

            var granted = requested.MaximumQoS < _options.MaximumQoS ? requested.MaximumQoS : _options.MaximumQoS;
            var options = requested with { MaximumQoS = granted };
            var entry = ToEntry(session, requested.TopicFilter, options, subscriptionId);
            bool replaced = _index.Subscribe(entry);
            session.Subscriptions[requested.TopicFilter] = entry;
            ops?.Add(new SaveSubscription(session.ClientId, new StoredSubscription(requested.TopicFilter, granted, options.NoLocal, options.RetainAsPublished, options.RetainHandling, subscriptionId)));
            reasons.Add((ReasonCode)granted);

            // Retained messages: not for shared subscriptions; per Retain Handling otherwise [MQTT-3.3.1-9, -10, -11].
            bool sendRetained = entry.ShareName is null && options.RetainHandling switch
            {
                RetainHandling.SendAtSubscribe => true,
                RetainHandling.SendAtSubscribeIfNew => !replaced,
                _ => false,
            };
            if (sendRetained)
            {
                (retainedFor ??= []).Add((entry, !replaced));
            }

            BrokerLog.Subscribed(_logger, session.ClientId, requested.TopicFilter, (int)granted);
        }

        var suback = new SubAckPacket { PacketId = subscribe.PacketId, ReasonCodes = reasons };
        AfterDurableLocked(c, ops, () =>
        {
            c.Send(suback);
            if (retainedFor is not null && !session.Ended)
            {
                foreach (var (entry, _) in retainedFor)
                {
                    SendRetainedLocked(session, entry);
                }
            }
        });
    }

    /// <summary>Queues the retained messages matching a new subscription, with RETAIN set [MQTT-3.3.1-9].</summary>
    private void SendRetainedLocked(Session session, SubscriptionEntry<Session> entry)
    {
        _retainedMatches.Clear();
        _retained.Match(entry.Filter, _retainedMatches);
        if (_retainedMatches.Count == 0)
        {
            return;
        }

        long now = NowUnixMs;
        List<StoreOperation>? ops = null;
        List<(Session, Delivery)>? routed = null;
        foreach (var message in _retainedMatches)
        {
            if (message.IsExpired(now))
            {
                // An expired retained message is never sent again [MQTT-3.3.2-5].
                _retained.Remove(message.Topic);
                _metrics.RetainedChanged(-1);
                if (_writer is not null)
                {
                    (ops ??= []).Add(new ClearRetained(message.Topic));
                }

                continue;
            }

            var qos = Min(message.QoS, entry.Options.MaximumQoS);
            uint[] ids = entry.SubscriptionIdentifier is { } id ? [id] : [];
            bool saved = false;
            AddDeliveryLocked(session, message, qos, retain: true, ids, null, session.IsDurable ? ops ??= [] : null, ref routed, ref saved);
        }

        _retainedMatches.Clear();

        // Stored before the hand-over, so their later state changes are written after them.
        EnqueueLocked(ops, completion: null);
        if (routed is not null)
        {
            HandOverLocked(routed);
        }
    }

    private void OnUnsubscribeLocked(MqttConnection c, Session session, UnsubscribePacket unsubscribe)
    {
        var ops = session.IsDurable ? new List<StoreOperation>() : null;
        var reasons = new List<ReasonCode>(unsubscribe.TopicFilters.Count);
        foreach (var filter in unsubscribe.TopicFilters)
        {
            if (RemoveSubscriptionLocked(session, filter, ops))
            {
                reasons.Add(ReasonCode.Success);
                BrokerLog.Unsubscribed(_logger, session.ClientId, filter);
            }
            else
            {
                reasons.Add(ReasonCode.NoSubscriptionExisted);
            }
        }

        var unsuback = new UnsubAckPacket { PacketId = unsubscribe.PacketId, ReasonCodes = reasons };
        AfterDurableLocked(c, ops, () => c.Send(unsuback));
    }

    /// <summary>Removes one subscription from the session, the index and (for a durable session) storage; false when there was none.</summary>
    private bool RemoveSubscriptionLocked(Session session, string filter, List<StoreOperation>? ops)
    {
        if (!session.Subscriptions.Remove(filter))
        {
            return false;
        }

        _index.Unsubscribe(session, filter);
        ops?.Add(new DeleteSubscription(session.ClientId, filter));
        return true;
    }
}
