using MqttHealth.Broker.Storage;
using MqttHealth.Mqtt.Protocol;

namespace MqttHealth.Broker.Engine;

/// <summary>The sweep, four times a second: keep alive, CONNECT timeout, credential expiry, break-glass expiry, will delay, session expiry; once a second, the policy file and the client CRL file.</summary>
public sealed partial class MqttBroker
{
    private static readonly TimeSpan SweepInterval = TimeSpan.FromMilliseconds(250);

    private readonly List<MqttConnection> _sweepConnections = [];
    private readonly List<Session> _sweepSessions = [];

    private void Sweep()
    {
        try
        {
            CheckPolicyFile();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // The file cannot be looked at just now (being replaced, permissions): the policy in force stays, the next sweep looks again.
        }

        CheckClientCrlFile();

        lock (_gate)
        {
            if (!_started || _stopping)
            {
                return;
            }

            long ticks = Environment.TickCount64;
            long now = NowUnixMs;
            _sweepConnections.AddRange(_connections);
            foreach (var c in _sweepConnections)
            {
                long idle = ticks - c.LastReceivedTicks;
                if (c.State == ConnectionState.AwaitingConnect && idle > _options.Limits.ConnectTimeout.TotalMilliseconds)
                {
                    // Broker:Limits:ConnectTimeout: a silent socket (or a CONNECT whose check never gets its turn) is not held open.
                    c.Close(reason: "no CONNECT within " + _options.Limits.ConnectTimeout.TotalSeconds + " s");
                }
                else if (c.State == ConnectionState.Connected && c.KeepAliveSeconds > 0 && idle > c.KeepAliveSeconds * 1500L)
                {
                    // One and a half times the keep alive without a packet [MQTT-3.1.2-22].
                    c.Close(ReasonCode.KeepAliveTimeout, $"nothing received for 1.5 x keep alive ({c.KeepAliveSeconds} s)");
                }
                else if (c.State == ConnectionState.Connected && c.CredentialsExpireAt is { } expires && now >= expires.ToUnixTimeMilliseconds())
                {
                    // A token's exp or a certificate's end of validity: the connection may not outlive its proof of identity.
                    Security.Authentication.Tokens.TokenLog.CredentialsExpired(_logger, c.Info.ConnectionId, c.ClientId, c.Principal?.Name ?? string.Empty, expires);
                    c.Close(ReasonCode.NotAuthorized, "the credentials expired");
                }
            }

            _sweepConnections.Clear();
            CloseExpiredGrantsLocked();
            List<StoreOperation>? ops = null;
            foreach (var session in _sessions.Values)
            {
                if (session.Connection is null)
                {
                    _sweepSessions.Add(session);
                }
            }

            foreach (var session in _sweepSessions)
            {
                if (session.PendingWill is { } will && now >= will.PublishAtUnixMs)
                {
                    session.PendingWill = null;
                    BrokerLog.WillPublished(_logger, session.ClientId, "after its will delay");
                    PublishWillLocked(will.Message, will.ExpiryInterval);
                }

                if (session.ExpiryInterval != uint.MaxValue
                    && session.DisconnectedAtUnixMs is { } since
                    && now - since >= session.ExpiryInterval * 1000L)
                {
                    EndSessionLocked(session, ops ??= [], "session expiry interval elapsed");
                }
            }

            _sweepSessions.Clear();
            EnqueueLocked(ops, completion: null);
        }
    }
}
