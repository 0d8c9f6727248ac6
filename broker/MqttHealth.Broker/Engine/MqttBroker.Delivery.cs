using MqttHealth.Broker.Messages;
using MqttHealth.Broker.Options;
using MqttHealth.Broker.Routing;
using MqttHealth.Broker.Storage;
using MqttHealth.Mqtt.Codec;
using MqttHealth.Mqtt.Packets;
using MqttHealth.Mqtt.Protocol;

namespace MqttHealth.Broker.Engine;

/// <summary>Routing a message to sessions, the per-session queue and inflight window, and QoS 1/2 towards subscribers.</summary>
public sealed partial class MqttBroker
{
    // Scratch for routing; safe to reuse because routing runs under _gate.
    private readonly List<SubscriptionEntry<Session>> _directMatches = [];
    private readonly List<SharedSubscriptionGroup<Session>> _sharedMatches = [];
    private readonly Dictionary<Session, int> _targetIndex = new(ReferenceEqualityComparer.Instance);
    private readonly List<RouteTarget> _targets = [];

    /// <summary>
    /// Finds the subscribers of <paramref name="message"/> (exact dictionary + wildcard trie, one member
    /// per shared group) and creates one delivery per session. Durable deliveries are added to
    /// <paramref name="ops"/>; nothing is visible to the sessions until <see cref="HandOverLocked"/>.
    /// </summary>
    private RouteResult RouteLocked(BrokerMessage message, MqttConnection? publisher, List<StoreOperation>? ops)
    {
        _directMatches.Clear();
        _sharedMatches.Clear();
        _index.Match(message.Topic, _directMatches, _sharedMatches);
        if (_directMatches.Count == 0 && _sharedMatches.Count == 0)
        {
            return new RouteResult(null, false);
        }

        List<(Session, Delivery)>? routed = null;
        bool messageSaved = false;
        foreach (var entry in _directMatches)
        {
            var session = entry.Subscriber;
            if (entry.Options.NoLocal && publisher is not null && ReferenceEquals(session, publisher.Session))
            {
                continue; // [MQTT-3.8.3-3]
            }

            var qos = Min(message.QoS, entry.Options.MaximumQoS);
            bool retain = entry.Options.RetainAsPublished && message.Retain; // [MQTT-3.3.1-12, -13]
            if (_targetIndex.TryGetValue(session, out int i))
            {
                var t = _targets[i];
                t.QoS = Max(t.QoS, qos);
                t.Retain |= retain;
                if (entry.SubscriptionIdentifier is { } id)
                {
                    if (t.SingleIdentifier == 0)
                    {
                        t.SingleIdentifier = id;
                    }
                    else
                    {
                        (t.MoreIdentifiers ??= []).Add(id);
                    }
                }

                _targets[i] = t;
            }
            else
            {
                _targetIndex[session] = _targets.Count;
                _targets.Add(new RouteTarget { Session = session, QoS = qos, Retain = retain, SingleIdentifier = entry.SubscriptionIdentifier ?? 0 });
            }
        }

        foreach (var t in _targets)
        {
            uint[] ids = t.SingleIdentifier == 0 ? [] : t.MoreIdentifiers is null ? [t.SingleIdentifier] : [t.SingleIdentifier, .. t.MoreIdentifiers];
            AddDeliveryLocked(t.Session, message, t.QoS, t.Retain, ids, null, ops, ref routed, ref messageSaved);
        }

        _targets.Clear();
        _targetIndex.Clear();
        foreach (var group in _sharedMatches)
        {
            if (PickMember(group, exclude: null) is { } entry)
            {
                var qos = Min(message.QoS, entry.Options.MaximumQoS);
                uint[] ids = entry.SubscriptionIdentifier is { } id ? [id] : [];
                AddDeliveryLocked(entry.Subscriber, message, qos, entry.Options.RetainAsPublished && message.Retain, ids, group, ops, ref routed, ref messageSaved);
            }
        }

        _directMatches.Clear();
        _sharedMatches.Clear();
        return new RouteResult(routed, true);
    }

    private void AddDeliveryLocked(
        Session session,
        BrokerMessage message,
        QualityOfService qos,
        bool retain,
        uint[] subscriptionIdentifiers,
        SharedSubscriptionGroup<Session>? group,
        List<StoreOperation>? ops,
        ref List<(Session, Delivery)>? routed,
        ref bool messageSaved)
    {
        if (qos == QualityOfService.AtMostOnce && session.Connection is null)
        {
            return; // QoS 0 is not queued for a disconnected session (5.0 §3.1.2.4 makes it optional; see docs)
        }

        if (qos != QualityOfService.AtMostOnce
            && _options.QueueOverflow == QueueOverflowPolicy.DropNewest
            && session.Queue.Count + session.PendingDeliveries >= _options.MaxQueuedMessages)
        {
            OverflowLocked(session, message);
            return;
        }

        var delivery = new Delivery(session.TakeSequence(), message, qos, retain, subscriptionIdentifiers) { SharedGroup = group };
        session.PendingDeliveries++;
        if (ops is not null && session.IsDurable && qos != QualityOfService.AtMostOnce)
        {
            if (!messageSaved)
            {
                ops.Add(new SaveMessage(message));
                messageSaved = true;
            }

            ops.Add(new SaveDelivery(session.ClientId, delivery.ToStored()));
        }

        (routed ??= []).Add((session, delivery));
    }

    /// <summary>The message is durable (or needs not be): deliveries join their sessions' queues and leave when the window allows.</summary>
    private void HandOverLocked(List<(Session Session, Delivery Delivery)> routed)
    {
        List<StoreOperation>? ops = null;
        foreach (var (session, delivery) in routed)
        {
            session.PendingDeliveries--;
            if (session.Ended)
            {
                continue;
            }

            if (delivery.QoS == QualityOfService.AtMostOnce)
            {
                var c = session.Connection;
                if (c is { ConnAckSent: true, IsClosing: false } && !c.IsSlowConsumer)
                {
                    SendPublishLocked(c, session, delivery, dup: false);
                }
                else if (c is not null)
                {
                    _metrics.MessageDropped("slow-consumer");
                }

                continue;
            }

            if (session.Queue.Count >= _options.MaxQueuedMessages)
            {
                var dropped = _options.QueueOverflow == QueueOverflowPolicy.DropOldest ? session.Queue.First!.Value : delivery;
                OverflowLocked(session, dropped.Message);
                if (session.IsDurable)
                {
                    (ops ??= []).Add(new DeleteDelivery(session.ClientId, dropped.Sequence));
                }

                if (dropped == delivery)
                {
                    continue;
                }

                session.Queue.RemoveFirst();
                _metrics.QueuedChanged(-1);
            }

            session.Queue.AddLast(delivery);
            _metrics.QueuedChanged(1);
            PumpLocked(session);
        }

        EnqueueLocked(ops, completion: null);
    }

    private void OverflowLocked(Session session, BrokerMessage message)
    {
        _metrics.MessageDropped("queue-full");
        if (!session.Overflowing)
        {
            session.Overflowing = true;
            BrokerLog.QueueOverflow(_logger, session.ClientId, _options.MaxQueuedMessages, _options.QueueOverflow.ToString(), message.Topic);
        }
    }

    /// <summary>Sends queued deliveries while the client's Receive Maximum allows [MQTT-4.9.0-2].</summary>
    private void PumpLocked(Session session)
    {
        var c = session.Connection;
        if (c is null || !c.ConnAckSent || c.IsClosing)
        {
            return;
        }

        // What is on the wire to this client: in flight, minus what still waits to be resent.
        while (session.PendingResends.First is { } resend && session.Inflight.Count - session.PendingResends.Count < c.ClientReceiveMaximum)
        {
            session.PendingResends.RemoveFirst();
            if (session.Inflight.ContainsKey(resend.Value.PacketId))
            {
                SendPublishLocked(c, session, resend.Value, dup: true);
            }
        }

        List<StoreOperation>? ops = null;
        long now = NowUnixMs;
        while (session.Queue.First is { } node && session.Inflight.Count - session.PendingResends.Count < c.ClientReceiveMaximum)
        {
            var delivery = node.Value;
            if (delivery.Message.IsExpired(now))
            {
                // Expired before onward delivery started: never delivered [MQTT-3.3.2-5].
                session.Queue.RemoveFirst();
                _metrics.QueuedChanged(-1);
                _metrics.MessageDropped("expired");
                if (session.IsDurable)
                {
                    (ops ??= []).Add(new DeleteDelivery(session.ClientId, delivery.Sequence));
                }

                continue;
            }

            ushort packetId = Delivery.PacketIdFor(delivery.Sequence);
            if (session.Inflight.ContainsKey(packetId))
            {
                break; // the id is still in use 65,535 deliveries later; wait for it [MQTT-2.2.1-3]
            }

            session.Queue.RemoveFirst();
            delivery.PacketId = packetId;
            delivery.State = DeliveryState.Sent;
            session.Inflight[packetId] = delivery;
            if (session.IsDurable)
            {
                (ops ??= []).Add(new SaveDelivery(session.ClientId, delivery.ToStored()));
            }

            SendPublishLocked(c, session, delivery, dup: false);
        }

        if (session.Overflowing && session.Queue.Count < _options.MaxQueuedMessages)
        {
            session.Overflowing = false;
        }

        EnqueueLocked(ops, completion: null);
    }

    /// <summary>Encodes one PUBLISH for <paramref name="c"/>: forwarded properties, remaining expiry, subscription ids, an outbound topic alias.</summary>
    private void SendPublishLocked(MqttConnection c, Session session, Delivery delivery, bool dup)
    {
        var message = delivery.Message;
        if (!MayReceiveLocked(c, message))
        {
            // Checked again at delivery: a subscription a reloaded policy no longer covers delivers nothing more.
            DiscardDeliveryLocked(session, delivery, "not-authorized");
            return;
        }

        var packet = _scratchPublish;
        packet.Dup = dup && delivery.QoS != QualityOfService.AtMostOnce;
        packet.QoS = delivery.QoS;
        packet.Retain = delivery.Retain;
        packet.PacketId = delivery.QoS == QualityOfService.AtMostOnce ? (ushort)0 : delivery.PacketId;
        packet.Topic = message.Topic;
        packet.Payload = message.Payload;
        packet.Properties = null;
        bool newAlias = false;
        if (c.Version == MqttProtocolVersion.V500)
        {
            var p = _scratchProperties;
            p.PayloadFormatIndicator = message.PayloadFormat;
            p.ContentType = message.ContentType;
            p.ResponseTopic = message.ResponseTopic;
            p.CorrelationData = message.CorrelationData;
            p.MessageExpiryInterval = message.ExpiresAtUnixMs is { } at
                ? (uint)Math.Max(1, (at - NowUnixMs + 999) / 1000) // the remaining interval [MQTT-3.3.2-6]
                : null;
            p.TopicAlias = null;
            p.UserProperties.Clear();
            if (message.UserProperties is { } users)
            {
                foreach (var user in users)
                {
                    p.UserProperties.Add(user);
                }
            }

            p.SubscriptionIdentifiers.Clear();
            foreach (uint id in delivery.SubscriptionIdentifiers)
            {
                p.SubscriptionIdentifiers.Add(id);
            }

            if (c.ClientTopicAliasMaximum > 0)
            {
                if (c.OutboundAliases.TryGetValue(message.Topic, out ushort alias))
                {
                    packet.Topic = string.Empty;
                    p.TopicAlias = alias;
                }
                else if (c.OutboundAliases.Count < c.ClientTopicAliasMaximum)
                {
                    alias = (ushort)(c.OutboundAliases.Count + 1);
                    c.OutboundAliases[message.Topic] = alias;
                    p.TopicAlias = alias;
                    newAlias = true;
                }
            }

            packet.Properties = p.IsEmpty ? null : p;
        }

        if (c.ClientMaximumPacketSize < int.MaxValue && MqttPacketEncoder.GetPacketSize(packet, c.Version) > c.ClientMaximumPacketSize)
        {
            // Larger than the client accepts: discarded as if delivered [MQTT-3.1.2-25].
            if (newAlias)
            {
                c.OutboundAliases.Remove(message.Topic);
            }

            DiscardDeliveryLocked(session, delivery, "too-large");
            return;
        }

        c.Send(packet);
        _metrics.MessageSent();
    }

    /// <summary>A delivery that will not be sent (too large, or no longer authorized): counted, and gone as if delivered.</summary>
    private void DiscardDeliveryLocked(Session session, Delivery delivery, string reason)
    {
        _metrics.MessageDropped(reason);
        if (delivery.QoS != QualityOfService.AtMostOnce && session.Inflight.Remove(delivery.PacketId))
        {
            _metrics.QueuedChanged(-1);
            if (session.IsDurable)
            {
                _writer?.Enqueue(new DeleteDelivery(session.ClientId, delivery.Sequence));
            }
        }
    }

    private void OnPubAckLocked(Session session, ushort packetId)
    {
        if (session.Inflight.TryGetValue(packetId, out var delivery) && delivery.QoS == QualityOfService.AtLeastOnce)
        {
            session.Inflight.Remove(packetId);
            CompleteDeliveryLocked(session, delivery);
        }
    }

    private void OnPubRecLocked(MqttConnection c, Session session, PubRecPacket rec)
    {
        if (!session.Inflight.TryGetValue(rec.PacketId, out var delivery) || delivery.QoS != QualityOfService.ExactlyOnce)
        {
            c.Send(new PubRelPacket { PacketId = rec.PacketId, ReasonCode = c.Version == MqttProtocolVersion.V500 ? ReasonCode.PacketIdentifierNotFound : ReasonCode.Success });
            return;
        }

        if (rec.ReasonCode >= ReasonCode.UnspecifiedError)
        {
            // The client refused it: the QoS 2 flow ends here, no PUBREL (5.0 §4.3.3).
            session.Inflight.Remove(rec.PacketId);
            CompleteDeliveryLocked(session, delivery);
            return;
        }

        var rel = new PubRelPacket { PacketId = rec.PacketId }; // [MQTT-4.3.3-4]
        if (delivery.State != DeliveryState.Released && session.IsDurable)
        {
            // PUBREL only once "released" is durable. After PUBREL the client may complete and forget the
            // packet id; a broker that came back from a crash still believing "sent" would resend the
            // PUBLISH, and the client would take it for a new message: a QoS 2 duplicate.
            delivery.State = DeliveryState.Released;
            AfterDurableLocked(c, [new SaveDelivery(session.ClientId, delivery.ToStored())], () => c.Send(rel));
            return;
        }

        delivery.State = DeliveryState.Released;
        AfterDurableLocked(c, null, () => c.Send(rel));
    }

    private void OnPubCompLocked(Session session, ushort packetId)
    {
        if (session.Inflight.TryGetValue(packetId, out var delivery) && delivery.State == DeliveryState.Released)
        {
            session.Inflight.Remove(packetId);
            CompleteDeliveryLocked(session, delivery);
        }
    }

    private void CompleteDeliveryLocked(Session session, Delivery delivery)
    {
        _metrics.QueuedChanged(-1);
        if (session.IsDurable)
        {
            _writer?.Enqueue(new DeleteDelivery(session.ClientId, delivery.Sequence));
        }

        PumpLocked(session);
    }

    /// <summary>
    /// Round robin over the group's members, preferring connected ones; a disconnected member is chosen
    /// only when none is connected (its session queues the message).
    /// </summary>
    private static SubscriptionEntry<Session>? PickMember(SharedSubscriptionGroup<Session> group, Session? exclude)
    {
        var members = group.Members;
        int n = members.Count;
        if (n == 0)
        {
            return null;
        }

        int start = group.NextMember % n;
        for (int pass = 0; pass < 2; pass++)
        {
            for (int i = 0; i < n; i++)
            {
                int index = (start + i) % n;
                var session = members[index].Subscriber;
                if (session == exclude || session.Ended || (pass == 0 && session.Connection is not { ConnAckSent: true, IsClosing: false }))
                {
                    continue;
                }

                group.NextMember = (index + 1) % n;
                return members[index];
            }
        }

        return null;
    }

    /// <summary>
    /// A member of shared groups lost its connection: its queued messages and its unacknowledged QoS 1
    /// messages from those groups go to another member (5.0 §4.8.2). A QoS 2 message already sent stays:
    /// that client may have it, and only it may complete the exchange.
    /// </summary>
    private void RedistributeSharedLocked(Session session)
    {
        List<Delivery>? moving = null;
        for (var node = session.Queue.First; node is not null;)
        {
            var next = node.Next;
            if (node.Value.SharedGroup is not null)
            {
                (moving ??= []).Add(node.Value);
                session.Queue.Remove(node);
            }

            node = next;
        }

        foreach (var delivery in session.Inflight.Values)
        {
            if (delivery.SharedGroup is not null && delivery.QoS == QualityOfService.AtLeastOnce)
            {
                (moving ??= []).Add(delivery);
            }
        }

        if (moving is null)
        {
            return;
        }

        foreach (var delivery in moving)
        {
            var group = delivery.SharedGroup!;
            var entry = PickMember(group, exclude: session);
            if (entry is null)
            {
                // No one else can take it: it stays with this session (if it outlives the connection).
                if (delivery.State == DeliveryState.Queued)
                {
                    session.Queue.AddLast(delivery);
                }

                continue;
            }

            if (delivery.State != DeliveryState.Queued)
            {
                session.Inflight.Remove(delivery.PacketId);
            }

            _metrics.QueuedChanged(-1);
            var ops = new List<StoreOperation>(3);
            if (session.IsDurable)
            {
                ops.Add(new DeleteDelivery(session.ClientId, delivery.Sequence));
            }

            var target = entry.Subscriber;
            var qos = Min(delivery.Message.QoS, entry.Options.MaximumQoS);
            uint[] ids = entry.SubscriptionIdentifier is { } id ? [id] : [];
            var moved = new Delivery(target.TakeSequence(), delivery.Message, qos, entry.Options.RetainAsPublished && delivery.Message.Retain, ids) { SharedGroup = group };
            if (target.IsDurable && qos != QualityOfService.AtMostOnce)
            {
                ops.Add(new SaveMessage(delivery.Message));
                ops.Add(new SaveDelivery(target.ClientId, moved.ToStored()));
            }

            BrokerLog.SharedRedelivered(_logger, session.ClientId, target.ClientId, group.ShareName);

            // One transaction moves it; it is enqueued before the hand-over so its later state changes follow it.
            EnqueueLocked(ops, completion: null);
            target.PendingDeliveries++;
            HandOverLocked([(target, moved)]);
        }
    }

    private static QualityOfService Min(QualityOfService a, QualityOfService b) => a < b ? a : b;

    private static QualityOfService Max(QualityOfService a, QualityOfService b) => a > b ? a : b;
}
