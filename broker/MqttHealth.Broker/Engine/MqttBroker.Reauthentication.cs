using System.Buffers;
using MqttHealth.Broker.Audit;
using MqttHealth.Broker.Security.Authentication;
using MqttHealth.Broker.Security.Authentication.Tokens;
using MqttHealth.Mqtt.Codec;
using MqttHealth.Mqtt.Packets;
using MqttHealth.Mqtt.Protocol;

namespace MqttHealth.Broker.Engine;

/// <summary>
/// MQTT 5 re-authentication (§4.12.1): a client that authenticated with an Authentication Method sends AUTH 0x19 with
/// the same method and new Authentication Data; the broker answers AUTH 0x00 and takes the new credentials' expiry, or
/// ends the connection. The check runs on the connection's read loop outside the engine lock, like a CONNECT's.
/// </summary>
public sealed partial class MqttBroker
{
    /// <summary>Decodes an AUTH from a connected client (a 3.1.1 connection cannot carry one: the decoder refuses it).</summary>
    internal static AuthPacket DecodeAuth(MqttConnection c, in MqttFrame frame) =>
        (AuthPacket)MqttPacketDecoder.Decode(frame, c.Version, PacketDirection.ClientToServer);

    /// <summary>Handles AUTH from a connected client: re-authentication, or a protocol error.</summary>
    internal async ValueTask OnAuthAsync(MqttConnection c, AuthPacket auth)
    {
        string method = auth.Properties?.AuthenticationMethod ?? string.Empty;
        lock (_gate)
        {
            if (c.IsClosing)
            {
                return;
            }

            if (c.AuthenticationMethod is null)
            {
                throw new MqttProtocolException(ReasonCode.ProtocolError, "MQTT-4.12.0-7", "AUTH from a client whose CONNECT had no Authentication Method is a protocol error.");
            }

            if (auth.ReasonCode != ReasonCode.ReAuthenticate)
            {
                // 0x18 answers a server's 0x18, which this broker never sends (its methods take one step) [MQTT-4.12.0-3].
                throw new MqttProtocolException(ReasonCode.ProtocolError, "MQTT-4.12.0-3", $"AUTH 0x{(byte)auth.ReasonCode:X2} without an authentication exchange in progress; re-authentication starts with 0x19.");
            }

            if (method != c.AuthenticationMethod)
            {
                // DISCONNECT cannot carry 0x8C (5.0 §3.14.2.1 lists it for CONNACK only): a broken rule is a protocol error.
                RefuseReauthenticationLocked(c, ReasonCode.ProtocolError, $"method '{method}', but the connection authenticated with '{c.AuthenticationMethod}' [MQTT-4.12.1-1]");
            }
        }

        if (c.IsClosing)
        {
            await WritePendingAuditAsync(c).ConfigureAwait(false);
            return;
        }

        // Outside the lock: a signature check.
        AuthenticationResult result = _authenticator?.Reauthenticate(method, auth.Properties?.AuthenticationData, c.Info.ConnectionId, c.Info.RemoteEndPoint) ?? AuthenticationResult.BadAuthenticationMethod;
        lock (_gate)
        {
            if (c.IsClosing)
            {
                return;
            }

            if (result.Outcome != AuthenticationOutcome.Authenticated || result.Principal is not { } principal)
            {
                RefuseReauthenticationLocked(c, ReasonCode.NotAuthorized, result.Detail ?? "the credentials were refused");
            }
            else if (principal.Kind != c.Principal?.Kind || principal.Name != c.Principal.Name)
            {
                // The connection's identity (its session's owner, the audit trail's principal) cannot change midway.
                RefuseReauthenticationLocked(c, ReasonCode.NotAuthorized, $"the new credentials are for '{principal.Name}', the connection is '{c.Principal?.Name}'");
            }
            else
            {
                // Same subject; roles and attributes may have changed: the policy is compiled again at the next check,
                // and subscriptions the new principal may not hold are removed (and a 5.0 client told, as after a reload).
                c.Principal = principal;
                c.CredentialsExpireAt = result.ExpiresAt;
                c.Policy = null;
                c.Send(new AuthPacket { ReasonCode = ReasonCode.Success, Properties = new MqttProperties { AuthenticationMethod = c.AuthenticationMethod } }); // [MQTT-4.12.0-5]
                TokenLog.Reauthenticated(_logger, c.Info.ConnectionId, c.ClientId, principal.Name, result.ExpiresAt);
                AuditLocked(c, AuditEventKind.AuthenticationSucceeded, topic: null, ReadOnlySequence<byte>.Empty, $"re-authentication, {principal.Kind}{(result.Detail is { } how ? ", " + how : string.Empty)}");
                RevokeSubscriptionsLocked(c);
            }
        }

        await WritePendingAuditAsync(c).ConfigureAwait(false);
    }

    /// <summary>A failed re-authentication: audited, logged, DISCONNECT with <paramref name="reason"/> and closed [MQTT-4.12.1-2].</summary>
    private void RefuseReauthenticationLocked(MqttConnection c, ReasonCode reason, string why)
    {
        AuditLocked(c, AuditEventKind.AuthenticationFailed, topic: null, ReadOnlySequence<byte>.Empty, $"re-authentication refused: {why}");
        TokenLog.ReauthenticationRefused(_logger, c.Info.ConnectionId, c.ClientId, why, (int)reason);

        // The client hears only the code; the reason string does not say which check failed.
        c.Close(reason, reason == ReasonCode.ProtocolError ? "re-authentication must use the connection's authentication method [MQTT-4.12.1-1]" : "re-authentication failed");
    }
}
