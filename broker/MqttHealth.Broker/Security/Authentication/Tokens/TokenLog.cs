namespace MqttHealth.Broker.Security.Authentication.Tokens;

/// <summary>JWT authentication and credential expiry log events, ids 5020-5039. Tokens themselves are never logged.</summary>
internal static partial class TokenLog
{
    [LoggerMessage(EventId = 5020, Level = LogLevel.Information, Message = "Connection {ConnectionId} from {Remote}: token for {Subject} accepted ({How}; {Key}); it expires at {ExpiresAt:u}")]
    public static partial void Accepted(ILogger logger, string connectionId, System.Net.EndPoint? remote, string subject, string how, JwtSigningKey key, DateTimeOffset expiresAt);

    [LoggerMessage(EventId = 5021, Level = LogLevel.Warning, Message = "Connection {ConnectionId} from {Remote}: token refused ({How}): {Why}")]
    public static partial void Refused(ILogger logger, string connectionId, System.Net.EndPoint? remote, string how, string why);

    [LoggerMessage(EventId = 5022, Level = LogLevel.Information, Message = "JWT authentication: {Count} signing keys from {Path}; issuer {Issuer}, audience {Audience}, clock skew {Skew}")]
    public static partial void KeysLoaded(ILogger logger, int count, string path, string issuer, string audience, TimeSpan skew);

    [LoggerMessage(EventId = 5023, Level = LogLevel.Information, Message = "JWKS file {Path} reloaded: {Count} signing keys")]
    public static partial void KeysReloaded(ILogger logger, string path, int count);

    [LoggerMessage(EventId = 5024, Level = LogLevel.Error, Message = "JWKS file changed but cannot be used; the previous {Count} signing keys stay in effect: {Error}")]
    public static partial void KeysReloadFailed(ILogger logger, int count, string error);

    [LoggerMessage(EventId = 5025, Level = LogLevel.Warning, Message = "JWKS file {Path}: key ignored: {Why}")]
    public static partial void KeyIgnored(ILogger logger, string path, string why);

    [LoggerMessage(EventId = 5026, Level = LogLevel.Warning, Message = "Connection {ConnectionId} (client {ClientId}): re-authentication refused: {Why}; disconnected with 0x{ReasonCode:X2}")]
    public static partial void ReauthenticationRefused(ILogger logger, string connectionId, string clientId, string why, int reasonCode);

    [LoggerMessage(EventId = 5027, Level = LogLevel.Information, Message = "Connection {ConnectionId} (client {ClientId}): re-authenticated as {Subject}; the credentials now expire at {ExpiresAt:u}")]
    public static partial void Reauthenticated(ILogger logger, string connectionId, string clientId, string subject, DateTimeOffset? expiresAt);

    [LoggerMessage(EventId = 5028, Level = LogLevel.Information, Message = "Connection {ConnectionId} (client {ClientId}): the credentials of {Principal} expired at {ExpiresAt:u}; disconnected")]
    public static partial void CredentialsExpired(ILogger logger, string connectionId, string clientId, string principal, DateTimeOffset expiresAt);
}
