using MqttHealth.Broker.Messages;
using MqttHealth.Broker.Routing;
using MqttHealth.Broker.Security.Authentication;
using MqttHealth.Broker.Storage;
using MqttHealth.Mqtt.Codec;
using MqttHealth.Mqtt.Packets;
using MqttHealth.Mqtt.Protocol;

namespace MqttHealth.Broker.Engine;

/// <summary>CONNECT, DISCONNECT, session takeover, the end of a connection and of a session.</summary>
public sealed partial class MqttBroker
{
    /// <summary>Decodes the first packet of a connection, which must be CONNECT [MQTT-3.1.0-1]. Outside the lock.</summary>
    internal static ConnectPacket DecodeConnect(in MqttFrame frame)
    {
        if (frame.Type != MqttPacketType.Connect)
        {
            throw new MqttProtocolException(ReasonCode.ProtocolError, "MQTT-3.1.0-1", $"The first packet must be CONNECT, not {frame.Type}.");
        }

        return (ConnectPacket)MqttPacketDecoder.Decode(frame, MqttProtocolVersion.V500, PacketDirection.ClientToServer);
    }

    /// <summary>
    /// Handles a CONNECT: checks its credentials first, outside the lock and awaited by the connection's read loop
    /// (PBKDF2 costs ~100 ms of CPU), then the rest under the lock. The connection stays in AwaitingConnect
    /// meanwhile, so the CONNECT timeout still bounds a check that waits for its turn.
    /// </summary>
    internal async ValueTask OnConnectAsync(MqttConnection c, ConnectPacket connect)
    {
        var auth = AuthenticationResult.NoCredentials;
        var credentials = new ConnectCredentials(
            connect.UserName,
            connect.Password,
            connect.ProtocolVersion == MqttProtocolVersion.V500 ? connect.Properties?.AuthenticationMethod : null,
            connect.ProtocolVersion == MqttProtocolVersion.V500 ? connect.Properties?.AuthenticationData : null,
            c.Info.ClientCertificate,
            c.Info.ConnectionId,
            c.Info.RemoteEndPoint);
        if (_authenticator is not null)
        {
            try
            {
                auth = await _authenticator.AuthenticateAsync(credentials, c.ClosedToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (c.IsClosing)
            {
                return; // closed (CONNECT timeout, shutdown) while waiting for a turn to check
            }
        }
        else if (credentials.AuthenticationMethod is not null)
        {
            auth = AuthenticationResult.BadAuthenticationMethod;
        }
        else if (credentials.UserName is not null || credentials.Password is not null)
        {
            auth = AuthenticationResult.Failed;
        }

        bool accepted;
        lock (_gate)
        {
            if (c.IsClosing)
            {
                return;
            }

            OnConnectLocked(c, connect, auth);
            accepted = c.State == ConnectionState.Connected;
        }

        if (_audit is not null)
        {
            await AuditConnectAsync(c, connect, auth, accepted).ConfigureAwait(false);
        }
    }

    private void OnConnectLocked(MqttConnection c, ConnectPacket connect, AuthenticationResult auth)
    {
        var version = connect.ProtocolVersion;
        c.Version = version;
        c.State = ConnectionState.Connected;
        var props = connect.Properties;
        bool v5 = version == MqttProtocolVersion.V500;

        // Known before any refusal: even a refusing CONNACK must fit the client's Maximum Packet Size [MQTT-3.2.2-19].
        c.ClientMaximumPacketSize = v5 && props?.MaximumPacketSize is { } maxPacket ? (int)Math.Min(maxPacket, int.MaxValue) : int.MaxValue;

        if (_stopping)
        {
            RefuseConnect(c, ReasonCode.ServerUnavailable, "server shutting down");
            return;
        }

        if (auth.Outcome == AuthenticationOutcome.BadAuthenticationMethod)
        {
            // An enhanced authentication method the broker does not offer [MQTT-4.12.0-1].
            RefuseConnect(c, ReasonCode.BadAuthenticationMethod, $"authentication method '{props?.AuthenticationMethod}' is not supported");
            return;
        }

        if (auth.Outcome == AuthenticationOutcome.Failed)
        {
            // The same answer for an unknown user and a wrong password: the log tells the operator which.
            RefuseConnect(c, ReasonCode.BadUserNameOrPassword, "bad user name or password");
            return;
        }

        if (auth.Outcome == AuthenticationOutcome.NotAuthorized)
        {
            // A client certificate that is revoked or names no usable identity: the log and the audit say which.
            RefuseConnect(c, ReasonCode.NotAuthorized, "not authorized");
            return;
        }

        if (auth.Outcome == AuthenticationOutcome.NoCredentials && !_options.AllowAnonymous)
        {
            RefuseConnect(c, ReasonCode.NotAuthorized, "credentials are required: anonymous access is off (--allow-anonymous is a development switch)");
            return;
        }

        c.Principal = auth.Principal ?? Security.Principal.Anonymous;
        c.CredentialsExpireAt = auth.ExpiresAt;
        c.AuthenticationMethod = v5 && auth.Outcome == AuthenticationOutcome.Authenticated ? props?.AuthenticationMethod : null;
        if (!WithinConnectionLimitsLocked(c))
        {
            return;
        }

        if (connect.Will is { } requestedWill && requestedWill.QoS > _options.MaximumQoS)
        {
            RefuseConnect(c, ReasonCode.QoSNotSupported, $"Will QoS {(int)requestedWill.QoS} is above the Maximum QoS {(int)_options.MaximumQoS} [MQTT-3.2.2-12]");
            return;
        }

        if (connect.Will is { } dollarWill && dollarWill.Topic.StartsWith('$'))
        {
            // Topics starting with '$' are the server's (4.7.2); a client cannot publish there, so neither can its will.
            RefuseConnect(c, ReasonCode.TopicNameInvalid, "a Will Topic starting with '$' is reserved for the server");
            return;
        }

        if (connect.Will is { } longWill && ExceedsTopicLimits(longWill.Topic))
        {
            // Broker:Limits hold for the will too: published later, it would bypass the check every PUBLISH gets.
            RefuseConnect(c, ReasonCode.TopicNameInvalid, "the Will Topic is longer or has more levels than the broker's topic limits allow");
            return;
        }

        string clientId = connect.ClientId;
        string? assigned = null;
        if (clientId.Length == 0)
        {
            if (!v5 && !connect.CleanStart)
            {
                RefuseConnect(c, ReasonCode.ClientIdentifierNotValid, "an empty client id needs CleanSession=1 [MQTT-3.1.3-8]");
                return;
            }

            // [MQTT-3.1.3-6]: the server assigns a unique identifier and (5.0) tells the client [MQTT-3.2.2-16].
            clientId = "mqtthealth-" + Guid.NewGuid().ToString("N");
            assigned = v5 ? clientId : null;
        }

        c.ClientId = clientId; // before the policy is compiled: {clientid} placeholders refer to it
        if (!AuthorizeConnectLocked(c, connect))
        {
            return;
        }

        uint requestedExpiry = v5 ? props?.SessionExpiryInterval ?? 0 : connect.CleanStart ? 0 : uint.MaxValue;
        uint expiry = Math.Min(requestedExpiry, _options.MaximumSessionExpiryInterval);
        ushort keepAlive = v5 && _options.ServerKeepAlive is { } serverKeepAlive ? serverKeepAlive : connect.KeepAlive;

        c.ConnectSessionExpiryInterval = requestedExpiry;
        c.KeepAliveSeconds = keepAlive;
        c.ClientReceiveMaximum = v5 ? props?.ReceiveMaximum ?? ushort.MaxValue : _options.ReceiveMaximum;
        c.ClientTopicAliasMaximum = v5 ? props?.TopicAliasMaximum ?? 0 : (ushort)0;
        c.RequestProblemInformation = props?.RequestProblemInformation ?? true;
        if (connect.Will is { } will)
        {
            c.Will = ToWillMessage(will, clientId);
            c.WillDelayInterval = will.Properties?.WillDelayInterval ?? 0;
            c.WillExpiryInterval = will.Properties?.MessageExpiryInterval;
        }

        string owner = $"{c.Principal!.Kind}:{c.Principal.Name}";
        if (_sessions.TryGetValue(clientId, out var claimed) && claimed.Owner is { } existingOwner && existingOwner != owner)
        {
            // A client id is an identity too: another principal taking it over would inherit the session's subscriptions
            // and queued messages (and disconnect its owner). Refused, and the same answer as any authorization refusal.
            AuditLocked(c, Audit.AuditEventKind.AuthenticationFailed, topic: null, System.Buffers.ReadOnlySequence<byte>.Empty, $"client id '{clientId}' belongs to another principal");
            RefuseConnect(c, ReasonCode.NotAuthorized, "not authorized");
            return;
        }

        var ops = new List<StoreOperation>();
        bool sessionPresent = false;
        if (_sessions.TryGetValue(clientId, out var session))
        {
            if (session.Connection is { } old)
            {
                // Takeover [MQTT-3.1.4-3]. The old connection's will is published unless the session
                // continues (Clean Start 0) and that will has a delay [MQTT-3.1.3-9 and §3.1.2.5].
                // A will the old client already discarded (DISCONNECT 0x00 still being processed) stays discarded.
                bool willSurvives = !connect.CleanStart && old.WillDelayInterval > 0;
                DetachLocked(old, session, publishWill: !willSurvives && !old.WillDiscarded, ops);
                old.WillDiscarded = true;
                old.Close(ReasonCode.SessionTakenOver, "another connection took over this client id");
                BrokerLog.SessionTakenOver(_logger, clientId, old.Info.ConnectionId, c.Info.ConnectionId);
            }

            if (connect.CleanStart)
            {
                EndSessionLocked(session, ops, "clean start");
                session = null;
            }
            else if (session.ExpiryInterval == 0)
            {
                // Its expiry was 0: it ended with the old connection, so nothing is resumed (5.0 §3.1.2.11.2).
                EndSessionLocked(session, ops, "taken over, and its session expiry was 0");
                session = null;
            }
            else
            {
                // Resumed before its will delay ended: the will is not sent [MQTT-3.1.3-9].
                session.PendingWill = null;
                sessionPresent = true;
            }
        }

        if (session is null)
        {
            session = new Session(clientId);
            _sessions[clientId] = session;
            _metrics.SessionsChanged(1);
        }

        bool wasDurable = session.IsDurable;
        session.ProtocolVersion = version;
        session.ExpiryInterval = expiry;
        session.IsDurable = _writer is not null && expiry > 0;
        session.Connection = c;
        session.Owner = owner;
        session.DisconnectedAtUnixMs = null;
        c.Session = session;
        if (session.IsDurable)
        {
            ops.Add(new SaveSession(ToStored(session)));
        }
        else if (wasDurable)
        {
            ops.Add(new DeleteSession(clientId));
        }

        var connack = new ConnAckPacket { SessionPresent = sessionPresent, ReasonCode = ReasonCode.Success };
        if (v5)
        {
            var ackProps = new MqttProperties
            {
                ReceiveMaximum = _options.ReceiveMaximum,
                MaximumPacketSize = (uint)_options.MaximumPacketSize,
                TopicAliasMaximum = _options.TopicAliasMaximum,
                AssignedClientIdentifier = assigned,
                AuthenticationMethod = c.AuthenticationMethod, // the CONNECT's method, echoed [MQTT-4.12.0-5]
            };
            if (_options.MaximumQoS < QualityOfService.ExactlyOnce)
            {
                ackProps.MaximumQoS = _options.MaximumQoS;
            }

            if (expiry != requestedExpiry)
            {
                ackProps.SessionExpiryInterval = expiry; // 5.0 §3.2.2.3.2: tell the client the interval in use
            }

            if (_options.ServerKeepAlive is not null)
            {
                ackProps.ServerKeepAlive = keepAlive; // [MQTT-3.2.2-21]
            }

            connack.Properties = ackProps;
        }

        _metrics.ClientConnected();
        c.Counted = true;
        CountConnectedLocked(c);
        StartRatesLocked(c);
        BrokerLog.ClientConnected(_logger, clientId, c.Info.ConnectionId, c.Info.Transport, v5 ? "5.0" : "3.1.1", connect.CleanStart, sessionPresent, keepAlive, expiry);
        AfterDurableLocked(c, ops, () =>
        {
            if (c.Session != session || c.IsClosing)
            {
                return;
            }

            c.Send(connack);
            c.ConnAckSent = true;
            ResumeLocked(session, c);
        });
    }

    private void RefuseConnect(MqttConnection c, ReasonCode reason, string why)
    {
        BrokerLog.ConnectRefused(_logger, c.Info.ConnectionId, (int)reason, why);
        var properties = c.Version == MqttProtocolVersion.V500 && c.RequestProblemInformation ? new MqttProperties { ReasonString = why } : null;
        var connack = new ConnAckPacket { ReasonCode = reason, Properties = properties };
        if (properties is not null && MqttPacketEncoder.GetPacketSize(connack, c.Version) > c.ClientMaximumPacketSize)
        {
            connack.Properties = null; // the Reason String only if it fits [MQTT-3.2.2-19]
        }

        c.Send(connack);
        c.State = ConnectionState.Closing;
        c.Close(reason: why);
    }

    /// <summary>
    /// After CONNACK: resend what was in flight [MQTT-4.4.0-1], in order: every PUBREL, and PUBLISHes with
    /// DUP as far as the new connection's Receive Maximum allows (the send quota starts afresh on each
    /// connection, 5.0 §4.9); the rest wait in <see cref="Session.PendingResends"/> and go before the queue.
    /// </summary>
    private void ResumeLocked(Session session, MqttConnection c)
    {
        session.PendingResends.Clear();
        if (session.Inflight.Count > 0)
        {
            var inflight = new List<Delivery>(session.Inflight.Values);
            inflight.Sort(static (a, b) => a.Sequence.CompareTo(b.Sequence));
            foreach (var d in inflight)
            {
                if (d.State == DeliveryState.Released)
                {
                    c.Send(new PubRelPacket { PacketId = d.PacketId });
                }
                else
                {
                    session.PendingResends.AddLast(d);
                }
            }
        }

        PumpLocked(session);
    }

    private void OnDisconnectLocked(MqttConnection c, DisconnectPacket disconnect)
    {
        var session = c.Session!;
        if (c.Version == MqttProtocolVersion.V500)
        {
            if (disconnect.Properties?.SessionExpiryInterval is { } expiry)
            {
                if (c.ConnectSessionExpiryInterval == 0 && expiry != 0)
                {
                    throw new MqttProtocolException(ReasonCode.ProtocolError, "MQTT-3.14.2-2", "The Session Expiry Interval cannot be set in DISCONNECT when it was 0 in CONNECT.");
                }

                session.ExpiryInterval = Math.Min(expiry, _options.MaximumSessionExpiryInterval);
            }

            // 0x04 keeps the will; any other reason from the client discards it [MQTT-3.14.4-3].
            c.WillDiscarded = disconnect.ReasonCode != ReasonCode.DisconnectWithWillMessage;
        }
        else
        {
            c.WillDiscarded = true; // [MQTT-3.14.4-3] (3.1.1: a DISCONNECT always discards the will)
        }

        c.CloseReason = $"client sent DISCONNECT 0x{(int)disconnect.ReasonCode:X2}";
        c.Close();
    }

    /// <summary>Called once per connection when its read loop ends, for whatever reason.</summary>
    internal void OnConnectionEnded(MqttConnection c)
    {
        lock (_gate)
        {
            _connections.Remove(c);
            if (_stopping && _connections.Count == 0)
            {
                _allConnectionsEnded.TrySetResult();
            }

            if (c.Counted)
            {
                c.Counted = false;
                UncountConnectedLocked(c);
                _metrics.ClientDisconnected();
            }

            var session = c.Session;
            if (session is not null && session.Connection == c)
            {
                var ops = new List<StoreOperation>();
                DetachLocked(c, session, publishWill: !c.WillDiscarded && !_stopping, ops);
                if (session.ExpiryInterval == 0)
                {
                    EndSessionLocked(session, ops, "connection closed and session expiry is 0");
                }
                else if (session.IsDurable)
                {
                    ops.Add(new SaveSession(ToStored(session)));
                }

                EnqueueLocked(ops, completion: null);
            }

            BrokerLog.ConnectionClosed(_logger, c.Info.ConnectionId, c.ClientId, c.CloseReason ?? "closed");
        }
    }

    /// <summary>
    /// Detaches a connection from its session: handles its will, and offers its shared-subscription
    /// messages to other members of their groups [MQTT-4.8.2-5]. The session itself stays.
    /// </summary>
    private void DetachLocked(MqttConnection c, Session session, bool publishWill, List<StoreOperation> ops)
    {
        session.Connection = null;
        session.DisconnectedAtUnixMs = NowUnixMs;
        session.PendingResends.Clear(); // the next connection works out its own resends
        c.Session = null;
        c.ForgetOutboundAliases();
        if (publishWill && c.Will is { } will)
        {
            uint delay = Math.Min(c.WillDelayInterval, session.ExpiryInterval);
            if (delay == 0)
            {
                BrokerLog.WillPublished(_logger, session.ClientId, "when the connection ended");
                PublishWillLocked(will, c.WillExpiryInterval);
            }
            else
            {
                session.PendingWill = new PendingWill(will, c.WillExpiryInterval, NowUnixMs + (delay * 1000L));
            }
        }

        RedistributeSharedLocked(session);
    }

    /// <summary>Ends a session: its subscriptions leave the index, its messages are discarded, a pending will is published now.</summary>
    private void EndSessionLocked(Session session, List<StoreOperation> ops, string why)
    {
        if (session.Ended)
        {
            return;
        }

        session.Ended = true;
        RedistributeSharedLocked(session);
        foreach (var filter in session.Subscriptions.Keys)
        {
            _index.Unsubscribe(session, filter);
        }

        session.Subscriptions.Clear();
        _metrics.QueuedChanged(-(session.Queue.Count + session.Inflight.Count));
        session.Queue.Clear();
        session.Inflight.Clear();
        session.InboundQos2.Clear();
        _sessions.Remove(session.ClientId);
        _metrics.SessionsChanged(-1);
        if (session.IsDurable)
        {
            ops.Add(new DeleteSession(session.ClientId));
            session.IsDurable = false;
        }

        if (session.PendingWill is { } pending)
        {
            session.PendingWill = null;
            BrokerLog.WillPublished(_logger, session.ClientId, "when the session ended");
            PublishWillLocked(pending.Message, pending.ExpiryInterval);
        }

        BrokerLog.SessionEnded(_logger, session.ClientId, why);
    }

    private static BrokerMessage ToWillMessage(MqttWill will, string clientId)
    {
        // Numbered and given its expiry when it is published (PublishWillLocked): the Message Expiry
        // Interval of a will counts from then (5.0 §3.1.3.2.4).
        var p = will.Properties;
        return new BrokerMessage(
            0,
            will.Topic,
            will.Payload,
            will.QoS,
            will.Retain,
            clientId,
            null,
            p?.PayloadFormatIndicator,
            p?.ContentType,
            p?.ResponseTopic,
            p?.CorrelationData,
            p is { UserProperties.Count: > 0 } ? [.. p.UserProperties] : null);
    }

    private StoredSession ToStored(Session session) =>
        new(session.ClientId, session.ProtocolVersion, session.ExpiryInterval, session.Connection is null ? session.DisconnectedAtUnixMs ?? NowUnixMs : null, session.Owner);

    private static SubscriptionEntry<Session> ToEntry(Session session, string topicFilter, MqttSubscription options, uint? subscriptionIdentifier)
    {
        bool shared = Mqtt.Topics.MqttTopic.TryParseShared(topicFilter, out var shareName, out var inner);
        return new SubscriptionEntry<Session>(session, topicFilter, shared ? shareName : null, shared ? inner : topicFilter, options, subscriptionIdentifier);
    }
}
