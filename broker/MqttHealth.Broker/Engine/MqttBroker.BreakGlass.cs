using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;
using MqttHealth.Broker.Audit;
using MqttHealth.Broker.Messages;
using MqttHealth.Broker.Security;
using MqttHealth.Broker.Security.Authorization;
using MqttHealth.Broker.Security.BreakGlass;
using MqttHealth.Mqtt.Codec;
using MqttHealth.Mqtt.Packets;
using MqttHealth.Mqtt.Protocol;

namespace MqttHealth.Broker.Engine;

/*
 * Break-glass (docs/break-glass.md). A principal whose role the policy's breakGlass section names publishes a request
 * to $mqtthealth/breakglass/open; the broker checks it against the section, writes BreakGlassOpened to the audit trail
 * and waits until that is durable, and only then lets the grant widen access and acknowledges. A grant is consulted
 * only where the principal's own rules refuse by default (never against a deny rule, never for '$' topics, never for
 * retain); every subscription, publish and delivery it allows is audited as a use. It ends by itself at its expiry (the
 * sweep), or when its holder (or an admin) publishes to $mqtthealth/breakglass/close; then the subscriptions that only
 * it allowed are removed, as after a policy reload. Opening and closing are published to the policy's alert topic for
 * the privacy office. Grants live in the audit trail (the grants table is its projection), so they survive a restart.
 */
public sealed partial class MqttBroker
{
    private readonly Dictionary<string, ActiveGrant> _activeGrants = new(StringComparer.Ordinal);
    private readonly HashSet<string> _grantRequests = new(StringComparer.Ordinal);

    /// <summary>Open grants, for tests and the admin endpoint.</summary>
    internal IReadOnlyList<BreakGlassGrant> OpenGrants()
    {
        lock (_gate)
        {
            return [.. _activeGrants.Values.Select(g => g.Grant)];
        }
    }

    /// <summary>At start: the grants still open in the trail come back into force; those that expired while the broker was stopped are closed.</summary>
    private void RestoreGrants()
    {
        if (_audit is null)
        {
            return;
        }

        IReadOnlyList<BreakGlassGrant> grants;
        try
        {
            grants = BreakGlassStore.Read(_audit.DataDirectory);
        }
        catch (AuditException ex)
        {
            BrokerLog.GrantsUnreadable(_logger, ex.Message);
            return;
        }

        DateTimeOffset now = _time.GetUtcNow();
        int unreviewed = 0;
        foreach (BreakGlassGrant grant in grants)
        {
            _grantRequests.Add(RequestKey(grant.Holder, grant.RequestId));
            if (grant.ReviewedAt is null && !grant.IsOpenAt(now))
            {
                unreviewed++;
            }

            if (grant.ClosedAt is not null)
            {
                continue;
            }

            if (grant.IsOpenAt(now))
            {
                _activeGrants[grant.Id] = new ActiveGrant(grant, grant.Compile(HolderPrincipal(grant)));
            }
            else
            {
                AuditInBackground(BreakGlassRecords.Closed(now, grant, "expired while the broker was stopped"));
            }
        }

        if (unreviewed > 0)
        {
            // Every grant must be reviewed afterwards; the start-up log is where an operator sees that some were not.
            BrokerLog.GrantsAwaitReview(_logger, unreviewed);
        }
    }

    /// <summary>
    /// Under the lock, from OnPublishLocked: a PUBLISH to a control topic is not routed; the connection's read loop hands
    /// it to <see cref="OnControlAsync"/> after the packet. Returns false when <paramref name="topic"/> is no control topic.
    /// </summary>
    private bool TakeControlPublishLocked(MqttConnection c, Session session, in PublishPacketView view, string topic)
    {
        if (!topic.StartsWith(BreakGlassRequest.ControlPrefix, StringComparison.Ordinal))
        {
            return false;
        }

        if (view.QoS == QualityOfService.ExactlyOnce)
        {
            // A control request is answered in its PUBACK; QoS 2's two-step exchange has no room for the answer.
            AuditLocked(c, AuditEventKind.PublishDenied, topic, view.Payload, "break-glass refused: control requests use QoS 0 or 1");
            AcknowledgeLocked(c, session, view.QoS, view.PacketId, c.Version == MqttProtocolVersion.V500 ? ReasonCode.ImplementationSpecificError : ReasonCode.Success, ops: null, routed: null);
            return true;
        }

        c.PendingControl = new ControlPublish(topic, view.Payload.ToArray(), view.QoS, view.PacketId);
        return true;
    }

    /// <summary>Handles a control request outside the lock, from the connection's read loop: the audit record of an opening grant must be durable before the grant is.</summary>
    internal async ValueTask OnControlAsync(MqttConnection c)
    {
        ControlPublish control = c.PendingControl!;
        c.PendingControl = null;
        Principal principal = c.Principal ?? Principal.Anonymous;
        BreakGlassPolicy? section = _policy?.Current.Policy.BreakGlass;
        BreakGlassRequest? request = BreakGlassRequest.TryParse(control.Topic, control.Payload, out string? problem);
        if (section is null || _audit is null)
        {
            await RefuseControlAsync(c, control, ReasonCode.NotAuthorized, section is null ? "break-glass is not configured (the policy has no breakGlass section)" : "break-glass needs the audit trail").ConfigureAwait(false);
            return;
        }

        if (request is null)
        {
            await RefuseControlAsync(c, control, ReasonCode.PayloadFormatInvalid, problem!).ConfigureAwait(false);
            return;
        }

        if (request.IsOpen)
        {
            await OpenGrantAsync(c, control, principal, section, request).ConfigureAwait(false);
        }
        else
        {
            await CloseGrantAsync(c, control, principal, request.GrantId).ConfigureAwait(false);
        }
    }

    private async ValueTask OpenGrantAsync(MqttConnection c, ControlPublish control, Principal principal, BreakGlassPolicy section, BreakGlassRequest request)
    {
        string? refusal = null;
        if (!section.MayOpen(principal))
        {
            refusal = "no role of this principal may open a break-glass grant";
        }
        else if (!section.Reasons.Contains(request.Reason, StringComparer.Ordinal))
        {
            refusal = $"'{request.Reason}' is not one of the policy's reason codes ({string.Join(", ", section.Reasons)})";
        }
        else if (request.Minutes > section.MaxDuration.TotalMinutes)
        {
            refusal = $"{request.Minutes} minutes is longer than the policy's maximum of {section.MaxDuration.TotalMinutes} minutes";
        }
        else if (request.Actions.Where(a => !section.Actions.Contains(a)).Select(BreakGlassRecords.ActionName).FirstOrDefault() is { } action)
        {
            refusal = $"the policy's break-glass grants do not allow {action}";
        }
        else if (request.Topics.FirstOrDefault(t => !section.IsWithinScope(principal, c.ClientId, t)) is { } outside)
        {
            refusal = $"'{outside}' is outside the break-glass scope";
        }

        if (refusal is not null)
        {
            await RefuseControlAsync(c, control, ReasonCode.NotAuthorized, refusal).ConfigureAwait(false);
            return;
        }

        string holder = BreakGlassGrant.HolderOf(principal);
        string requestKey = RequestKey(holder, request.RequestId);
        DateTimeOffset now = _time.GetUtcNow();
        var grant = new BreakGlassGrant(
            "bg-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8)),
            holder,
            c.ClientId,
            request.RequestId,
            request.Topics,
            request.Actions,
            request.Reason,
            now,
            now.AddMinutes(request.Minutes));
        lock (_gate)
        {
            // Reserved under the lock: two copies of one request racing on two connections open one grant.
            if (!_grantRequests.Add(requestKey))
            {
                refusal = $"request '{request.RequestId}' was used before: a break-glass request opens one grant, once";
            }
        }

        if (refusal is not null)
        {
            await RefuseControlAsync(c, control, ReasonCode.NotAuthorized, refusal).ConfigureAwait(false);
            return;
        }

        try
        {
            await _audit!.AppendAsync(BreakGlassRecords.Opened(grant, c.Info.RemoteEndPoint?.ToString())).ConfigureAwait(false);
            await _audit.FlushAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is AuditException or ObjectDisposedException)
        {
            lock (_gate)
            {
                _grantRequests.Remove(requestKey);
            }

            BrokerLog.GrantNotAudited(_logger, grant.Id, ex.Message);
            await RefuseControlAsync(c, control, ReasonCode.UnspecifiedError, "the grant could not be audited, so it was not opened").ConfigureAwait(false);
            return;
        }

        lock (_gate)
        {
            _activeGrants[grant.Id] = new ActiveGrant(grant, grant.Compile(principal));
            PublishAlertLocked(section.AlertTopic, BreakGlassRecords.Alert("opened", grant, now));
            AcknowledgeControlLocked(c, control, ReasonCode.Success, $"grant {grant.Id} open until {grant.ExpiresAt.UtcDateTime.ToString("O", CultureInfo.InvariantCulture)}");
        }

        BrokerLog.GrantOpened(_logger, grant.Id, grant.HolderName, c.ClientId, grant.Reason, string.Join(" ", grant.Topics), grant.ExpiresAt);
    }

    private async ValueTask CloseGrantAsync(MqttConnection c, ControlPublish control, Principal principal, string grantId)
    {
        AuditRecord? closed = null;
        lock (_gate)
        {
            if (_activeGrants.TryGetValue(grantId, out ActiveGrant? active)
                && (active.Grant.Holder == BreakGlassGrant.HolderOf(principal) || CurrentPolicyLocked(c)?.IsAdmin == true))
            {
                closed = CloseGrantLocked(active, _time.GetUtcNow(), active.Grant.Holder == BreakGlassGrant.HolderOf(principal) ? "closed by holder" : $"closed by admin {principal.Name}");
                AcknowledgeControlLocked(c, control, ReasonCode.Success, $"grant {grantId} closed");
            }
        }

        if (closed is null)
        {
            await RefuseControlAsync(c, control, ReasonCode.NotAuthorized, $"no open grant '{grantId}' that this principal may close").ConfigureAwait(false);
            return;
        }

        await _audit!.AppendAsync(closed).ConfigureAwait(false);
    }

    /// <summary>Ends a grant: no more access through it, the subscriptions only it allowed removed, the privacy office told. Returns the audit record to write.</summary>
    private AuditRecord CloseGrantLocked(ActiveGrant active, DateTimeOffset now, string reason)
    {
        _activeGrants.Remove(active.Grant.Id);
        BreakGlassGrant closed = active.Grant with { ClosedAt = now, CloseReason = reason };
        _sweepConnections.AddRange(_connections);
        foreach (MqttConnection connection in _sweepConnections)
        {
            if (connection.Principal is { } p && BreakGlassGrant.HolderOf(p) == closed.Holder)
            {
                RevokeSubscriptionsLocked(connection);
            }
        }

        _sweepConnections.Clear();
        if (_policy?.Current.Policy.BreakGlass is { } section)
        {
            PublishAlertLocked(section.AlertTopic, BreakGlassRecords.Alert("closed", closed, now));
        }

        BrokerLog.GrantClosed(_logger, closed.Id, closed.HolderName, reason);
        return BreakGlassRecords.Closed(now, closed, reason);
    }

    /// <summary>From the sweep: grants past their expiry end.</summary>
    private void CloseExpiredGrantsLocked()
    {
        if (_activeGrants.Count == 0)
        {
            return;
        }

        DateTimeOffset now = _time.GetUtcNow();
        List<ActiveGrant>? expired = null;
        foreach (ActiveGrant active in _activeGrants.Values)
        {
            if (!active.Grant.IsOpenAt(now))
            {
                (expired ??= []).Add(active);
            }
        }

        if (expired is null)
        {
            return;
        }

        foreach (ActiveGrant active in expired)
        {
            AuditInBackground(CloseGrantLocked(active, now, "expired"));
        }
    }

    /// <summary>
    /// Where the principal's own rules refused <paramref name="action"/> by default: the open grant of its principal that
    /// allows it, if any. Costs nothing while no grant is open.
    /// </summary>
    private ActiveGrant? GrantAllowingLocked(MqttConnection c, TopicAction action, string topicOrFilter, AuthorizationDecision refused) =>
        GrantAllowingLocked(c, refused, policy => policy.Authorize(action, topicOrFilter).Allowed);

    private ActiveGrant? GrantAllowingLocked(MqttConnection c, AuthorizationDecision refused, Func<CompiledPolicy, bool> allows)
    {
        if (_activeGrants.Count == 0 || refused.Allowed || refused.Rule != AuthorizationDecision.DefaultDenyRule || c.Principal is not { } principal)
        {
            return null;
        }

        string holder = BreakGlassGrant.HolderOf(principal);
        DateTimeOffset now = _time.GetUtcNow();
        foreach (ActiveGrant active in _activeGrants.Values)
        {
            if (active.Grant.Holder == holder && active.Grant.IsOpenAt(now) && allows(active.Policy))
            {
                return active;
            }
        }

        return null;
    }

    /// <summary>The check at delivery through a grant: allowed, and audited as a use, with the payload's size and hash.</summary>
    private bool ReceiveThroughGrantLocked(MqttConnection c, BrokerMessage message, AuthorizationDecision refused)
    {
        if (GrantAllowingLocked(c, refused, policy => policy.AuthorizeReceive(message.Topic).Allowed) is not { } active)
        {
            return false;
        }

        AuditInBackground(BreakGlassRecords.Used(_time.GetUtcNow(), active.Grant.Id, "receive", c.Principal?.Name, c.ClientId, c.Info.RemoteEndPoint?.ToString(), message.Topic, message.Payload.Length, AuditPayload.Sha256(message.Payload.Span)));
        return true;
    }

    /// <summary>A SUBSCRIBE filter or PUBLISH the principal's rules refused by default, allowed through a grant: audited as a use.</summary>
    private bool UseGrantLocked(MqttConnection c, TopicAction action, string topicOrFilter, AuthorizationDecision refused, ReadOnlySequence<byte> payload)
    {
        if (GrantAllowingLocked(c, action, topicOrFilter, refused) is not { } active)
        {
            return false;
        }

        bool publish = action == TopicAction.Publish;
        AuditPayloadHash? hash = publish ? (payload.IsSingleSegment ? AuditPayload.Sha256(payload.FirstSpan) : AuditPayload.Sha256(payload.ToArray())) : null;
        (c.PendingAudit ??= []).Add(BreakGlassRecords.Used(_time.GetUtcNow(), active.Grant.Id, BreakGlassRecords.ActionName(action), c.Principal?.Name, c.ClientId, c.Info.RemoteEndPoint?.ToString(), topicOrFilter, publish ? payload.Length : null, hash));
        return true;
    }

    private void PublishAlertLocked(string topic, byte[] payload)
    {
        var message = new BrokerMessage(++_lastMessageId, topic, payload, QualityOfService.AtLeastOnce, retain: false, publisherClientId: null, payloadFormat: PayloadFormat.Utf8, contentType: "application/json");
        PublishFromServerLocked(message);
    }

    private async ValueTask RefuseControlAsync(MqttConnection c, ControlPublish control, ReasonCode reason, string why)
    {
        BrokerLog.GrantRefused(_logger, c.ClientId, c.Principal?.Name ?? string.Empty, why);
        if (_audit is not null)
        {
            await _audit.AppendAsync(RecordOf(c, AuditEventKind.PublishDenied, control.Topic, "break-glass refused: " + why) with
            {
                PayloadSize = control.Payload.Length,
                PayloadSha256 = AuditPayload.Sha256(control.Payload),
            }).ConfigureAwait(false);
        }

        lock (_gate)
        {
            AcknowledgeControlLocked(c, control, reason, why);
        }
    }

    /// <summary>The answer to a control request: its PUBACK (QoS 1), with the reason code and, when the client accepts them, a reason string.</summary>
    private void AcknowledgeControlLocked(MqttConnection c, ControlPublish control, ReasonCode reason, string why)
    {
        if (control.QoS == QualityOfService.AtMostOnce || c.IsClosing)
        {
            return;
        }

        bool v5 = c.Version == MqttProtocolVersion.V500;
        var ack = new PubAckPacket
        {
            PacketId = control.PacketId,
            ReasonCode = v5 ? reason : ReasonCode.Success,
            Properties = v5 && c.RequestProblemInformation ? new MqttProperties { ReasonString = why } : null,
        };

        // Behind anything the connection already waits on, so acknowledgements leave in the order of the PUBLISHes.
        AfterDurableLocked(c, null, () => c.Send(ack));
    }

    private static string RequestKey(string holder, string requestId) => holder + "\n" + requestId;

    private static Principal HolderPrincipal(BreakGlassGrant grant)
    {
        int colon = grant.Holder.IndexOf(':', StringComparison.Ordinal);
        PrincipalKind kind = Enum.TryParse(grant.Holder.AsSpan(0, Math.Max(colon, 0)), out PrincipalKind parsed) ? parsed : PrincipalKind.Password;
        return new Principal(grant.HolderName, kind, [], new Dictionary<string, string>());
    }

    /// <summary>A grant in force and its topics compiled as a policy of its own.</summary>
    private sealed record ActiveGrant(BreakGlassGrant Grant, CompiledPolicy Policy);
}

/// <summary>A PUBLISH to a control topic, copied out of the read buffer for <see cref="MqttBroker.OnControlAsync"/>.</summary>
internal sealed record ControlPublish(string Topic, byte[] Payload, QualityOfService QoS, ushort PacketId);
