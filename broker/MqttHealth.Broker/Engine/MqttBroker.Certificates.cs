using MqttHealth.Broker.Security;
using MqttHealth.Broker.Audit;
using MqttHealth.Broker.Options;
using MqttHealth.Broker.Security.Authentication;
using MqttHealth.Mqtt.Protocol;

namespace MqttHealth.Broker.Engine;

/// <summary>
/// The client CRL file at run time (docs/authentication.md, "Client certificates"): looked at once a second from the
/// sweep, reloaded when it changed, and live connections whose client certificate (or a CA above it) the new lists
/// revoke are disconnected (5.0: DISCONNECT 0x87) and audited. A CRL that goes past its next update is reported once.
/// The revocation checks run outside the engine lock; the lock is held only to list and to close connections.
/// </summary>
public sealed partial class MqttBroker
{
    private long _crlCheckedTicks;
    private TaskCompletionSource _crlChecked = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private CertificateRevocationStore? ClientRevocation => _authenticator?.Certificates?.Revocation;

    /// <summary>Completes after the next look at the client CRL file (for tests, which must not guess how long a sweep takes).</summary>
    internal Task NextClientCrlCheckAsync() => Volatile.Read(ref _crlChecked).Task;

    /// <summary>From the sweep, outside the lock, at most once a second.</summary>
    private void CheckClientCrlFile()
    {
        if (ClientRevocation is not { } revocation)
        {
            return;
        }

        long ticks = Environment.TickCount64;
        if (ticks - _crlCheckedTicks < 1000)
        {
            return;
        }

        _crlCheckedTicks = ticks;
        try
        {
            ReloadClientCrlIfChanged(revocation);
            ReportStaleClientCrls(revocation);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // The file cannot be looked at just now: the lists in force stay, the next look tries again.
        }
        finally
        {
            Interlocked.Exchange(ref _crlChecked, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
        }
    }

    private void ReloadClientCrlIfChanged(CertificateRevocationStore revocation)
    {
        switch (revocation.Refresh())
        {
            case FileRefresh.Unchanged:
                return;
            case FileRefresh.Failed:
                CertificateLog.CrlReloadFailed(_logger, revocation.Lists.Count, revocation.RevokedCount, revocation.LastError ?? "unknown error");
                AuditInBackground(new AuditRecord(
                    _time.GetUtcNow(),
                    AuditEventKind.CertificateChanged,
                    Detail: $"client CRL file {revocation.FilePath} refused; the previous {revocation.Lists.Count} CRLs ({revocation.RevokedCount} revoked serials) stay in force: {revocation.LastError}"));
                return;
        }

        int dropped = DisconnectRevokedCertificates(revocation);
        CertificateLog.CrlReloaded(_logger, revocation.FilePath, revocation.Lists.Count, revocation.RevokedCount, dropped);
        AuditInBackground(new AuditRecord(
            _time.GetUtcNow(),
            AuditEventKind.CertificateChanged,
            Detail: $"client CRL file {revocation.FilePath} reloaded: {revocation.Lists.Count} CRLs, {revocation.RevokedCount} revoked serials; {dropped} connections disconnected"));
        foreach (string subject in revocation.UncoveredCas)
        {
            CertificateLog.CaWithoutCrl(_logger, revocation.FilePath, subject);
        }
    }

    /// <summary>
    /// Closes every live connection whose TLS client certificate the CRLs now revoke, however it authenticated. Each
    /// one's Disconnect audit record carries the reason; an MQTT 5 client hears DISCONNECT 0x87. Connections still
    /// waiting for their CONNECT's check are closed too: that check may have read the lists before the reload.
    /// </summary>
    private int DisconnectRevokedCertificates(CertificateRevocationStore revocation)
    {
        var candidates = new List<MqttConnection>();
        lock (_gate)
        {
            foreach (MqttConnection c in _connections)
            {
                if (c.Info.ClientCertificate is not null && c.State != ConnectionState.Closing)
                {
                    candidates.Add(c);
                }
            }
        }

        DateTimeOffset now = _time.GetUtcNow();
        List<(MqttConnection Connection, string Why)>? revoked = null;
        foreach (MqttConnection c in candidates)
        {
            if (revocation.CheckWithIssuers(c.Info.ClientCertificate!, now, revokedOnly: true) is { } why)
            {
                (revoked ??= []).Add((c, why));
            }
        }

        if (revoked is null)
        {
            return 0;
        }

        int dropped = 0;
        lock (_gate)
        {
            foreach ((MqttConnection c, string why) in revoked)
            {
                if (c.State == ConnectionState.Closing)
                {
                    continue; // ended meanwhile
                }

                CertificateLog.ConnectionRevoked(_logger, c.Info.ConnectionId, c.ClientId, c.Principal?.Name ?? string.Empty, why);
                c.CloseReason ??= "client certificate revoked after a CRL reload: " + why;
                c.Close(ReasonCode.NotAuthorized, "client certificate revoked");
                dropped++;
            }
        }

        return dropped;
    }

    private void ReportStaleClientCrls(CertificateRevocationStore revocation)
    {
        foreach (CertificateRevocationList crl in revocation.TakeNewlyStale(_time.GetUtcNow()))
        {
            string consequence = revocation.StaleMode == CrlStaleMode.Refuse
                ? "new connections with a certificate it covers are REFUSED (Broker:Tls:ClientCrlStale is Refuse); connections already open stay"
                : "it is still applied, but revocations issued since are NOT known (Broker:Tls:ClientCrlStale is Accept)";
            CertificateLog.CrlStale(_logger, crl.Issuer.Name, crl.NextUpdate!.Value, consequence, revocation.FilePath);
            AuditInBackground(new AuditRecord(
                _time.GetUtcNow(),
                AuditEventKind.CertificateChanged,
                Detail: $"client CRL of {crl.Issuer.Name} past its next update {crl.NextUpdate:yyyy-MM-ddTHH:mm:ssZ}: {consequence}"));
        }
    }
}
