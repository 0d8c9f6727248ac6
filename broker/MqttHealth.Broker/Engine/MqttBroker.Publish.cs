using System.Buffers;
using System.Text;
using MqttHealth.Broker.Messages;
using MqttHealth.Broker.Storage;
using MqttHealth.Mqtt.Codec;
using MqttHealth.Mqtt.Packets;
using MqttHealth.Mqtt.Protocol;

namespace MqttHealth.Broker.Engine;

/// <summary>Incoming packets: the dispatch, PUBLISH from clients and the QoS 1/2 flows towards them.</summary>
public sealed partial class MqttBroker
{
    internal void OnFrame(MqttConnection c, in MqttFrame frame)
    {
        // The first packet goes through DecodeConnect and OnConnectAsync (MqttConnection's read loop), never here.
        if (c.State != ConnectionState.Connected)
        {
            return; // closing: nothing more is acted on
        }

        if (frame.Type == MqttPacketType.Publish)
        {
            var view = MqttPacketDecoder.DecodePublish(frame, c.Version, PacketDirection.ClientToServer);
            lock (_gate)
            {
                if (WithinRatesLocked(c, frame.PacketSize))
                {
                    OnPublishLocked(c, view);
                }
            }

            return;
        }

        var packet = MqttPacketDecoder.Decode(frame, c.Version, PacketDirection.ClientToServer);
        lock (_gate)
        {
            if (c.Session is null)
            {
                return; // taken over meanwhile
            }

            switch (packet)
            {
                case ConnectPacket:
                    throw new MqttProtocolException(ReasonCode.ProtocolError, "MQTT-3.1.0-2", "A second CONNECT on one connection is a protocol error.");
                case PubAckPacket ack:
                    OnPubAckLocked(c.Session, ack.PacketId);
                    break;
                case PubRecPacket rec:
                    OnPubRecLocked(c, c.Session, rec);
                    break;
                case PubRelPacket rel:
                    OnPubRelLocked(c, c.Session, rel.PacketId);
                    break;
                case PubCompPacket comp:
                    OnPubCompLocked(c.Session, comp.PacketId);
                    break;
                case SubscribePacket subscribe:
                    OnSubscribeLocked(c, c.Session, subscribe);
                    break;
                case UnsubscribePacket unsubscribe:
                    OnUnsubscribeLocked(c, c.Session, unsubscribe);
                    break;
                case PingReqPacket:
                    c.Send(PingRespPacket.Instance);
                    break;
                case DisconnectPacket disconnect:
                    OnDisconnectLocked(c, disconnect);
                    break;
                case AuthPacket:
                    throw new MqttProtocolException(ReasonCode.ProtocolError, "MQTT-4.12.0-1", "AUTH without an authentication method in CONNECT is a protocol error.");
                default:
                    throw new MqttProtocolException(ReasonCode.ProtocolError, "MQTT-4.8.0-1", $"A client must not send {packet.Type}.");
            }
        }
    }

    internal void OnProtocolError(MqttConnection c, MqttProtocolException error)
    {
        lock (_gate)
        {
            BrokerLog.ProtocolError(_logger, c.Info.ConnectionId, c.ClientId, (int)error.ReasonCode, error.NormativeId, error.Message);
            if (c.State == ConnectionState.AwaitingConnect && error.ReasonCode == ReasonCode.UnsupportedProtocolVersion)
            {
                // We cannot know which CONNACK format the client reads: 3.1.1's return code 1 is what
                // both 3.1 and 3.1.1 clients understand [MQTT-3.1.2-2].
                c.Version = MqttProtocolVersion.V311;
                c.Send(new ConnAckPacket { ReasonCode = ReasonCode.UnsupportedProtocolVersion });
                c.Close(reason: error.Message);
                return;
            }

            var code = ReasonCodes.IsAllowedInDisconnectFromServer(error.ReasonCode) ? error.ReasonCode : ReasonCode.ProtocolError;
            c.Close(code, $"{error.Message} [{error.NormativeId}]");
        }
    }

    private void OnPublishLocked(MqttConnection c, in PublishPacketView view)
    {
        var session = c.Session;
        if (session is null)
        {
            return;
        }

        var qos = view.QoS;
        if (qos > _options.MaximumQoS)
        {
            throw new MqttProtocolException(ReasonCode.QoSNotSupported, "MQTT-3.2.2-11", $"QoS {(int)qos} is above the Maximum QoS {(int)_options.MaximumQoS}.");
        }

        string topic = ResolveTopicLocked(c, view);

        if (qos != QualityOfService.AtMostOnce)
        {
            if (qos == QualityOfService.ExactlyOnce && session.InboundQos2.Contains(view.PacketId))
            {
                // A resent QoS 2 PUBLISH before PUBREL: acknowledged again, not forwarded again [MQTT-4.3.3-10].
                var again = new PubRecPacket { PacketId = view.PacketId };
                AfterDurableLocked(c, null, () => c.Send(again));
                return;
            }

            if (c.InboundUnacknowledged >= _options.ReceiveMaximum)
            {
                throw new MqttProtocolException(ReasonCode.ReceiveMaximumExceeded, "MQTT-3.3.4-9", $"More than Receive Maximum ({_options.ReceiveMaximum}) QoS 1/2 PUBLISHes are unacknowledged.");
            }
        }

        _metrics.MessageReceived();
        if (TakeControlPublishLocked(c, session, view, topic))
        {
            return;
        }

        if (topic.StartsWith('$'))
        {
            // Topics starting with '$' belong to the server (4.7.2): clients cannot publish into them.
            BrokerLog.ReservedTopicRefused(_logger, c.ClientId);
            AcknowledgeLocked(c, session, qos, view.PacketId, ReasonCode.TopicNameInvalid, ops: null, routed: null);
            return;
        }

        if (ExceedsTopicLimits(topic))
        {
            // Broker:Limits: 5.0 says why (0x90); 3.1.1 cannot, so the message is acknowledged and dropped.
            _metrics.MessageDropped("topic-limit");
            AcknowledgeLocked(c, session, qos, view.PacketId, c.Version == MqttProtocolVersion.V500 ? ReasonCode.TopicNameInvalid : ReasonCode.Success, ops: null, routed: null);
            return;
        }

        if (RefusePublishLocked(c, session, view, topic))
        {
            return;
        }

        var message = ToMessageLocked(c, view, topic);
        var ops = _writer is null ? null : new List<StoreOperation>();
        if (message.Retain)
        {
            UpdateRetainedLocked(message, ops);
        }

        var route = RouteLocked(message, c, ops);
        var reason = !route.Matched && c.Version == MqttProtocolVersion.V500 ? ReasonCode.NoMatchingSubscribers : ReasonCode.Success;
        AcknowledgeLocked(c, session, qos, view.PacketId, reason, ops, route.Deliveries);
    }

    /// <summary>Topic Name or Topic Alias [MQTT-3.3.2-12]: sets up or applies the client's alias.</summary>
    private string ResolveTopicLocked(MqttConnection c, in PublishPacketView view)
    {
        ushort alias = view.TopicAlias;
        if (alias != 0 && alias > _options.TopicAliasMaximum)
        {
            throw new MqttProtocolException(ReasonCode.TopicAliasInvalid, "MQTT-3.3.2-9", $"Topic Alias {alias} is outside 1..{_options.TopicAliasMaximum} (our Topic Alias Maximum).");
        }

        if (view.Topic.Length == 0)
        {
            if (alias == 0)
            {
                throw new MqttProtocolException(ReasonCode.ProtocolError, "MQTT-3.3.2-1", "A PUBLISH needs a Topic Name or a Topic Alias.");
            }

            return c.InboundAliases.TryGetValue(alias, out var known)
                ? known
                : throw new MqttProtocolException(ReasonCode.ProtocolError, "MQTT-3.3.2-12", $"Topic Alias {alias} was never set on this connection.");
        }

        string topic = view.Topic.IsSingleSegment ? Encoding.UTF8.GetString(view.Topic.FirstSpan) : Encoding.UTF8.GetString(view.Topic.ToArray());
        if (alias != 0)
        {
            c.InboundAliases[alias] = topic;
        }

        return topic;
    }

    private BrokerMessage ToMessageLocked(MqttConnection c, in PublishPacketView view, string topic)
    {
        var payload = view.Payload.ToArray();
        long? expiresAt = view.MessageExpiryInterval is { } seconds ? NowUnixMs + (seconds * 1000L) : null;
        MqttProperties? p = null;
        if (view.RawProperties.Length > 0)
        {
            // Only here do we need the forwarded properties as objects; the plain case stays cheap.
            p = view.ToPacket().Properties;
        }

        return new BrokerMessage(
            ++_lastMessageId,
            topic,
            payload,
            view.QoS,
            view.Retain,
            c.ClientId,
            expiresAt,
            p?.PayloadFormatIndicator,
            p?.ContentType,
            p?.ResponseTopic,
            p?.CorrelationData,
            p is { UserProperties.Count: > 0 } ? [.. p.UserProperties] : null);
    }

    /// <summary>RETAIN=1: store (or, with an empty payload, clear) the topic's retained message [MQTT-3.3.1-5, -6, -7].</summary>
    private void UpdateRetainedLocked(BrokerMessage message, List<StoreOperation>? ops)
    {
        if (message.Payload.IsEmpty)
        {
            if (_retained.Remove(message.Topic) is not null)
            {
                _metrics.RetainedChanged(-1);
                ops?.Add(new ClearRetained(message.Topic));
            }

            return;
        }

        if (_retained.Set(message) is null)
        {
            _metrics.RetainedChanged(1);
        }

        if (ops is not null)
        {
            ops.Add(new SaveMessage(message));
            ops.Add(new SetRetained(message));
        }
    }

    /// <summary>
    /// Sends PUBACK/PUBREC once <paramref name="ops"/> are durable and the routed deliveries have been
    /// handed to their sessions. QoS 0 needs no acknowledgement but still waits its turn for the deliveries.
    /// </summary>
    private void AcknowledgeLocked(MqttConnection c, Session session, QualityOfService qos, ushort packetId, ReasonCode reason, List<StoreOperation>? ops, List<(Session, Delivery)>? routed)
    {
        if (qos == QualityOfService.ExactlyOnce && reason < ReasonCode.UnspecifiedError)
        {
            session.InboundQos2.Add(packetId);
            if (session.IsDurable)
            {
                ops?.Add(new SaveInboundQos2(session.ClientId, packetId));
            }
        }

        if (qos != QualityOfService.AtMostOnce)
        {
            c.InboundUnacknowledged++;
        }

        var completion = new PublishCompletion(this, c, routed, qos, packetId, reason);
        if (_writer is null || ((ops is null || ops.Count == 0) && c.PendingDurable == 0))
        {
            completion.CompleteLocked();
            return;
        }

        c.PendingDurable++;
        _writer.Enqueue(ToOperation(ops), completion);
    }

    private void OnPubRelLocked(MqttConnection c, Session session, ushort packetId)
    {
        bool known = session.InboundQos2.Remove(packetId);
        var comp = new PubCompPacket { PacketId = packetId, ReasonCode = known || c.Version != MqttProtocolVersion.V500 ? ReasonCode.Success : ReasonCode.PacketIdentifierNotFound };
        List<StoreOperation>? ops = null;
        if (known)
        {
            c.InboundUnacknowledged = Math.Max(0, c.InboundUnacknowledged - 1);
            if (session.IsDurable)
            {
                // PUBCOMP only once the id is forgotten durably, or a restart would drop the next message
                // the client sends with this id as a duplicate.
                ops = [new DeleteInboundQos2(session.ClientId, packetId)];
            }
        }

        AfterDurableLocked(c, ops, () => c.Send(comp));
    }

    /// <summary>Runs <paramref name="action"/> (under the lock) once <paramref name="ops"/> and everything the connection is already waiting for are durable.</summary>
    private void AfterDurableLocked(MqttConnection c, List<StoreOperation>? ops, Action action)
    {
        if (_writer is null || ((ops is null || ops.Count == 0) && c.PendingDurable == 0))
        {
            action();
            return;
        }

        c.PendingDurable++;
        _writer.Enqueue(ToOperation(ops), new ActionCompletion(this, c, action));
    }

    /// <summary>Fire-and-forget storage work (no one waits for it, but it is ordered after what came before).</summary>
    private void EnqueueLocked(List<StoreOperation>? ops, IStoreCompletion? completion)
    {
        if (_writer is not null && ops is { Count: > 0 })
        {
            _writer.Enqueue(ToOperation(ops), completion);
        }
    }

    private static StoreOperation? ToOperation(List<StoreOperation>? ops) => ops switch
    {
        null or { Count: 0 } => null,
        { Count: 1 } => ops[0],
        _ => new CompositeOperation(ops),
    };

    private void PublishWillLocked(BrokerMessage will, uint? expiryInterval) =>
        PublishFromServerLocked(will.Reissue(++_lastMessageId, expiryInterval is { } seconds ? NowUnixMs + (seconds * 1000L) : null));

    /// <summary>Routes a message no connection published (a will, a break-glass alert): stored like any other, delivered once durable.</summary>
    private void PublishFromServerLocked(BrokerMessage message)
    {
        var ops = _writer is null ? null : new List<StoreOperation>();
        if (message.Retain)
        {
            UpdateRetainedLocked(message, ops);
        }

        var route = RouteLocked(message, publisher: null, ops);
        var completion = new PublishCompletion(this, null, route.Deliveries, QualityOfService.AtMostOnce, 0, ReasonCode.Success);
        if (ops is { Count: > 0 })
        {
            _writer!.Enqueue(ToOperation(ops), completion);
        }
        else
        {
            completion.CompleteLocked();
        }
    }

    /// <summary>Storage failed: nothing is acknowledged; the client is disconnected and will resend.</summary>
    private void OnStorageFailedLocked(MqttConnection? c, Exception error)
    {
        BrokerLog.StorageFailed(_logger, c?.ClientId ?? "(broker)", error.Message);
        if (c is not null)
        {
            c.PendingDurable--;
            c.Close(ReasonCode.UnspecifiedError, "storage failure: " + error.Message);
        }
    }

    /// <summary>Completion of a received PUBLISH: hand the deliveries to their sessions, then acknowledge.</summary>
    private sealed class PublishCompletion : IStoreCompletion
    {
        private readonly MqttBroker _broker;
        private readonly MqttConnection? _publisher;
        private readonly List<(Session Session, Delivery Delivery)>? _routed;
        private readonly QualityOfService _qos;
        private readonly ushort _packetId;
        private readonly ReasonCode _reason;

        public PublishCompletion(MqttBroker broker, MqttConnection? publisher, List<(Session, Delivery)>? routed, QualityOfService qos, ushort packetId, ReasonCode reason)
        {
            _broker = broker;
            _publisher = publisher;
            _routed = routed;
            _qos = qos;
            _packetId = packetId;
            _reason = reason;
        }

        public void OnDurable()
        {
            lock (_broker._gate)
            {
                if (_publisher is not null)
                {
                    _publisher.PendingDurable--;
                }

                CompleteLocked();
            }
        }

        public void OnFailed(Exception error)
        {
            lock (_broker._gate)
            {
                if (_routed is not null)
                {
                    foreach (var (session, _) in _routed)
                    {
                        session.PendingDeliveries--;
                    }
                }

                _broker.OnStorageFailedLocked(_publisher, error);
            }
        }

        public void CompleteLocked()
        {
            if (_routed is not null)
            {
                _broker.HandOverLocked(_routed);
            }

            var c = _publisher;
            if (c is null)
            {
                return;
            }

            switch (_qos)
            {
                case QualityOfService.AtLeastOnce:
                    c.InboundUnacknowledged = Math.Max(0, c.InboundUnacknowledged - 1);
                    c.Send(new PubAckPacket { PacketId = _packetId, ReasonCode = _reason });
                    break;
                case QualityOfService.ExactlyOnce:
                    if (_reason >= ReasonCode.UnspecifiedError)
                    {
                        c.InboundUnacknowledged = Math.Max(0, c.InboundUnacknowledged - 1);
                    }

                    c.Send(new PubRecPacket { PacketId = _packetId, ReasonCode = _reason });
                    break;
            }
        }
    }

    private sealed class ActionCompletion(MqttBroker broker, MqttConnection connection, Action action) : IStoreCompletion
    {
        public void OnDurable()
        {
            lock (broker._gate)
            {
                connection.PendingDurable--;
                action();
            }
        }

        public void OnFailed(Exception error)
        {
            lock (broker._gate)
            {
                broker.OnStorageFailedLocked(connection, error);
            }
        }
    }
}
