using System.Buffers;
using MqttHealth.Broker.Audit;
using MqttHealth.Broker.Storage;
using MqttHealth.Broker.Security.Authorization;
using MqttHealth.Mqtt.Codec;
using MqttHealth.Mqtt.Packets;
using MqttHealth.Mqtt.Protocol;

namespace MqttHealth.Broker.Engine;

/// <summary>
/// The topic policy at its four checkpoints (docs/authorization.md): the will at CONNECT, each PUBLISH, each
/// SUBSCRIBE filter, and each delivery. Every decision is a compiled policy lookup under the engine lock that
/// allocates nothing for PUBLISH and delivery; refusals are audited with the rule that decided them.
/// </summary>
public sealed partial class MqttBroker
{
    private long _policyCheckedTicks;
    private (DateTime Time, long Length)? _policyFileStamp;
    private TaskCompletionSource _policyChecked = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Checks the new connection's will against the policy; false when the CONNECT was refused.</summary>
    private bool AuthorizeConnectLocked(MqttConnection c, ConnectPacket connect)
    {
        if (connect.Will is { } will && CurrentPolicyLocked(c) is { } policy && policy.AuthorizePublish(will.Topic, will.Retain) is { Allowed: false } decision)
        {
            AuditLocked(c, AuditEventKind.PublishDenied, will.Topic, new ReadOnlySequence<byte>(will.Payload), $"will; {decision}");
            RefuseConnect(c, ReasonCode.NotAuthorized, "not authorized");
            return false;
        }

        return true;
    }

    /// <summary>
    /// A PUBLISH the policy refuses: audited with its size and hash, acknowledged with 0x87 Not authorized (5.0) or
    /// acknowledged as usual and dropped (3.1.1 has no way to say no; Mosquitto does the same), never routed.
    /// </summary>
    private bool RefusePublishLocked(MqttConnection c, Session session, in PublishPacketView view, string topic)
    {
        if (CurrentPolicyLocked(c) is not { } policy || policy.AuthorizePublish(topic, view.Retain) is not { Allowed: false } decision
            || (!view.Retain && UseGrantLocked(c, TopicAction.Publish, topic, decision, view.Payload)))
        {
            return false;
        }

        _metrics.MessageDropped("not-authorized");
        AuditLocked(c, AuditEventKind.PublishDenied, topic, view.Payload, decision.ToString());
        var reason = c.Version == MqttProtocolVersion.V500 ? ReasonCode.NotAuthorized : ReasonCode.Success;
        AcknowledgeLocked(c, session, view.QoS, view.PacketId, reason, ops: null, routed: null);
        return true;
    }

    /// <summary>One SUBSCRIBE filter: true when allowed (and audited either way when there is an audit trail).</summary>
    private bool AuthorizeSubscriptionLocked(MqttConnection c, string filter)
    {
        if (CurrentPolicyLocked(c) is not { } policy)
        {
            AuditLocked(c, AuditEventKind.SubscribeAllowed, filter, ReadOnlySequence<byte>.Empty, "no policy");
            return true;
        }

        AuthorizationDecision decision = policy.AuthorizeSubscribe(filter);
        if (!decision.Allowed && UseGrantLocked(c, TopicAction.Subscribe, filter, decision, ReadOnlySequence<byte>.Empty))
        {
            AuditLocked(c, AuditEventKind.SubscribeAllowed, filter, ReadOnlySequence<byte>.Empty, "allowed by a break-glass grant; " + decision);
            return true;
        }

        AuditLocked(c, decision.Allowed ? AuditEventKind.SubscribeAllowed : AuditEventKind.SubscribeDenied, filter, ReadOnlySequence<byte>.Empty, decision.ToString());
        return decision.Allowed;
    }

    /// <summary>The check at delivery: false when the subscriber may no longer receive messages on this topic (through its rules or an open grant).</summary>
    private bool MayReceiveLocked(MqttConnection c, Messages.BrokerMessage message)
    {
        if (CurrentPolicyLocked(c) is not { } policy)
        {
            return true;
        }

        AuthorizationDecision decision = policy.AuthorizeReceive(message.Topic);
        return decision.Allowed || ReceiveThroughGrantLocked(c, message, decision);
    }

    /// <summary>
    /// The connection's compiled policy, compiled again when the store holds a newer policy than the one it was compiled
    /// from: a reload takes effect at the next check of every connection, delivery included, without a restart.
    /// </summary>
    private CompiledPolicy? CurrentPolicyLocked(MqttConnection c)
    {
        if (_policy is null || c.Principal is null)
        {
            return null;
        }

        PolicySnapshot current = _policy.Current;
        if (c.Policy is null || c.PolicyVersion != current.Version)
        {
            c.Policy = current.Policy.Compile(c.Principal, c.ClientId);
            c.PolicyVersion = current.Version;
        }

        return c.Policy;
    }

    /// <summary>
    /// From the sweep, outside the lock, at most once a second: reloads the policy file when its size or time changed.
    /// A missing file keeps the policy in force (an editor may delete and recreate it while saving).
    /// </summary>
    private void CheckPolicyFile()
    {
        if (_policy is null)
        {
            return;
        }

        long ticks = Environment.TickCount64;
        if (ticks - _policyCheckedTicks < 1000)
        {
            return;
        }

        _policyCheckedTicks = ticks;
        try
        {
            ReloadPolicyIfChanged(_policy.Current.Policy.Source);
        }
        finally
        {
            Interlocked.Exchange(ref _policyChecked, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
        }
    }

    /// <summary>Completes after the next look at the policy file (for tests, which must not guess how long a sweep takes).</summary>
    internal Task NextPolicyCheckAsync() => Volatile.Read(ref _policyChecked).Task;

    private void ReloadPolicyIfChanged(string path)
    {
        (DateTime Time, long Length)? stamp = StampOf(path);
        if (stamp is null || stamp == _policyFileStamp)
        {
            return;
        }

        _policyFileStamp = stamp;
        ReloadPolicy(path);
    }

    /// <summary>At start: the stamp of the file the policy in force came from, which later looks compare with.</summary>
    private void RememberPolicyFile() => _policyFileStamp = StampOf(_policy!.Current.Policy.Source);

    /// <summary>A file's last write time and size, or null when it does not exist.</summary>
    private static (DateTime Time, long Length)? StampOf(string path)
    {
        var file = new FileInfo(path);
        return file.Exists ? (file.LastWriteTimeUtc, file.Length) : null;
    }

    /// <summary>
    /// Loads <paramref name="path"/> as the new policy (a file that does not parse leaves the current one in force), then
    /// removes every live subscription it no longer allows and tells MQTT 5 clients so with DISCONNECT 0x87.
    /// </summary>
    internal void ReloadPolicy(string path)
    {
        if (_policy is null)
        {
            return;
        }

        long previous = _policy.Current.Version;
        if (!_policy.TryReload(path, out PolicySnapshot snapshot, out string? error))
        {
            BrokerLog.PolicyReloadRefused(_logger, path, previous, error ?? "unknown error");
            AuditInBackground(new AuditRecord(_time.GetUtcNow(), AuditEventKind.PolicyReloaded, Topic: null, Detail: $"refused, version {previous} stays in force: {error}"));
            return;
        }

        int revoked = 0;
        lock (_gate)
        {
            _sweepConnections.AddRange(_connections);
            foreach (MqttConnection c in _sweepConnections)
            {
                revoked += RevokeSubscriptionsLocked(c);
            }

            _sweepConnections.Clear();
        }

        BrokerLog.PolicyReloaded(_logger, path, snapshot.Version, snapshot.Policy.Roles.Count, revoked);
        AuditInBackground(new AuditRecord(_time.GetUtcNow(), AuditEventKind.PolicyReloaded, Detail: $"version {snapshot.Version} from {path}: {snapshot.Policy.Roles.Count} roles; {revoked} subscriptions removed"));
    }

    /// <summary>Removes <paramref name="c"/>'s subscriptions the current policy refuses; an MQTT 5 client is told and disconnected.</summary>
    private int RevokeSubscriptionsLocked(MqttConnection c)
    {
        if (c.State != ConnectionState.Connected || c.Session is not { } session || CurrentPolicyLocked(c) is not { } policy)
        {
            return 0;
        }

        List<string>? revoked = null;
        foreach (string filter in session.Subscriptions.Keys)
        {
            if (policy.AuthorizeSubscribe(filter) is { Allowed: false } decision && GrantAllowingLocked(c, TopicAction.Subscribe, filter, decision) is null)
            {
                (revoked ??= []).Add(filter);
                AuditInBackground(RecordOf(c, AuditEventKind.SubscribeDenied, filter, $"removed: no longer allowed; {decision}"));
            }
        }

        if (revoked is null)
        {
            return 0;
        }

        var ops = session.IsDurable ? new List<StoreOperation>() : null;
        foreach (string filter in revoked)
        {
            RemoveSubscriptionLocked(session, filter, ops);
        }

        if (ops is not null)
        {
            EnqueueLocked(ops, completion: null);
        }

        // MQTT has no server-side UNSUBSCRIBE: a 5.0 client learns it through DISCONNECT 0x87 and, subscribing again after
        // it reconnects, gets 0x87 in its SUBACK. A 3.1.1 client cannot be told; it receives nothing more on those filters.
        if (c.Version == MqttProtocolVersion.V500)
        {
            c.Close(ReasonCode.NotAuthorized, $"the topic policy no longer allows {string.Join(", ", revoked)}");
        }

        return revoked.Count;
    }

    /// <summary>A record not tied to one connection's read loop (the sweep's thread): written without holding anyone up; a failure is logged.</summary>
    private void AuditInBackground(AuditRecord record)
    {
        if (_audit is null)
        {
            return;
        }

        _ = WriteAsync(_audit, record, _logger);

        static async Task WriteAsync(AuditLog audit, AuditRecord record, ILogger logger)
        {
            try
            {
                await audit.AppendAsync(record).ConfigureAwait(false);
            }
            catch (ObjectDisposedException)
            {
                BrokerLog.AuditClosed(logger, record.Kind.ToString());
            }
        }
    }
}
