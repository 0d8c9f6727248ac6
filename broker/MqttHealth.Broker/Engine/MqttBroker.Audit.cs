using System.Buffers;
using MqttHealth.Broker.Audit;
using MqttHealth.Broker.Security.Authentication;
using MqttHealth.Mqtt.Packets;

namespace MqttHealth.Broker.Engine;

/// <summary>
/// Security events into the audit trail (docs/audit.md). Written from the connection's own read loop, outside the
/// engine lock, with <see cref="AuditLog.AppendAsync"/>: when the trail's queue is full, that connection waits
/// (backpressure), and no record is dropped.
/// </summary>
public sealed partial class MqttBroker
{
    /// <summary>Authentication success or failure (when credentials were given), then the accepted connection.</summary>
    private async ValueTask AuditConnectAsync(MqttConnection c, ConnectPacket connect, AuthenticationResult auth, bool accepted)
    {
        string? remote = c.Info.RemoteEndPoint?.ToString();
        string clientId = c.ClientId.Length > 0 ? c.ClientId : connect.ClientId;
        DateTimeOffset now = _time.GetUtcNow();
        switch (auth.Outcome)
        {
            case AuthenticationOutcome.Authenticated:
                await _audit!.AppendAsync(new AuditRecord(now, AuditEventKind.AuthenticationSucceeded, auth.Principal?.Name, clientId, remote, Detail: auth.Detail is { } how ? $"{auth.Principal?.Kind}, {how}" : auth.Principal?.Kind.ToString())).ConfigureAwait(false);
                break;
            case AuthenticationOutcome.Failed:
                // The user name as sent: the operator needs it to see guessing; the password never reaches the trail.
                await _audit!.AppendAsync(new AuditRecord(now, AuditEventKind.AuthenticationFailed, connect.UserName, clientId, remote, Detail: auth.Detail ?? "bad user name or password")).ConfigureAwait(false);
                break;
            case AuthenticationOutcome.NotAuthorized:
                await _audit!.AppendAsync(new AuditRecord(now, AuditEventKind.AuthenticationFailed, c.Info.ClientCertificate?.Subject, clientId, remote, Detail: auth.Detail ?? "not authorized")).ConfigureAwait(false);
                break;
            case AuthenticationOutcome.BadAuthenticationMethod:
                await _audit!.AppendAsync(new AuditRecord(now, AuditEventKind.AuthenticationFailed, connect.UserName, clientId, remote, Detail: $"authentication method '{connect.Properties?.AuthenticationMethod}' not offered")).ConfigureAwait(false);
                break;
        }

        await WritePendingAuditAsync(c).ConfigureAwait(false);
        if (accepted)
        {
            await _audit!.AppendAsync(new AuditRecord(now, AuditEventKind.Connect, c.Principal?.Name, clientId, remote, Detail: $"MQTT {(c.Version == Mqtt.Protocol.MqttProtocolVersion.V500 ? "5.0" : "3.1.1")}, {c.Principal?.Kind}")).ConfigureAwait(false);
        }
    }

    /// <summary>Queues a record for <paramref name="c"/>'s read loop to write after the current packet (under the lock).</summary>
    private void AuditLocked(MqttConnection c, AuditEventKind kind, string? topic, ReadOnlySequence<byte> payload, string detail)
    {
        if (_audit is null)
        {
            return;
        }

        AuditPayloadHash? hash = null;
        if (kind == AuditEventKind.PublishDenied)
        {
            // The hash of the payload as sent (ciphertext, for MqttHealth's envelope); the payload itself never.
            hash = payload.IsSingleSegment ? AuditPayload.Sha256(payload.FirstSpan) : AuditPayload.Sha256(payload.ToArray());
        }

        (c.PendingAudit ??= []).Add(RecordOf(c, kind, topic, detail) with
        {
            PayloadSize = kind == AuditEventKind.PublishDenied ? payload.Length : null,
            PayloadSha256 = hash,
        });
    }

    /// <summary>A record of an event on <paramref name="c"/>: now, its principal, client id and remote address.</summary>
    private AuditRecord RecordOf(MqttConnection c, AuditEventKind kind, string? topic, string detail) =>
        new(_time.GetUtcNow(), kind, c.Principal?.Name, c.ClientId, c.Info.RemoteEndPoint?.ToString(), topic, Detail: detail);

    /// <summary>Writes the records <see cref="AuditLocked"/> queued for <paramref name="c"/>, waiting while the trail's queue is full.</summary>
    internal async ValueTask WritePendingAuditAsync(MqttConnection c)
    {
        List<AuditRecord>? pending = c.PendingAudit;
        if (_audit is null || pending is null || pending.Count == 0)
        {
            return;
        }

        c.PendingAudit = null;
        foreach (AuditRecord record in pending)
        {
            await _audit.AppendAsync(record).ConfigureAwait(false);
        }
    }

    /// <summary>The end of a connection that had been accepted, with why it ended.</summary>
    internal ValueTask AuditDisconnectAsync(MqttConnection c)
    {
        if (_audit is null || c.Principal is null)
        {
            return ValueTask.CompletedTask;
        }

        return _audit.AppendAsync(RecordOf(c, AuditEventKind.Disconnect, topic: null, c.CloseReason ?? "closed"));
    }
}
