namespace MqttHealth.Broker.Security.Authentication;

/// <summary>
/// Authentication log events, ids 5001-5099 (the security range is 5000-5999). User names are logged, passwords
/// and hashes never.
/// </summary>
internal static partial class AuthenticationLog
{
    /// <summary>Re-reads the users file if it changed, and logs a reload (5003) or a refused rewrite (5004).</summary>
    public static void RefreshUsers(ILogger logger, UserStore users)
    {
        switch (users.Refresh())
        {
            case FileRefresh.Reloaded:
                UsersReloaded(logger, users.FilePath, users.Users.Count);
                break;
            case FileRefresh.Failed:
                UsersReloadFailed(logger, users.Users.Count, users.LastError ?? "unknown error");
                break;
        }
    }

    [LoggerMessage(EventId = 5001, Level = LogLevel.Information, Message = "Connection {ConnectionId} from {Remote}: user {UserName} authenticated with a password")]
    public static partial void Succeeded(ILogger logger, string connectionId, System.Net.EndPoint? remote, string userName);

    [LoggerMessage(EventId = 5002, Level = LogLevel.Warning, Message = "Connection {ConnectionId} from {Remote}: authentication failed for user {UserName}: {Why}")]
    public static partial void Failed(ILogger logger, string connectionId, System.Net.EndPoint? remote, string userName, string why);

    [LoggerMessage(EventId = 5003, Level = LogLevel.Information, Message = "Users file {Path} reloaded: {Count} users")]
    public static partial void UsersReloaded(ILogger logger, string path, int count);

    [LoggerMessage(EventId = 5004, Level = LogLevel.Error, Message = "Users file changed but cannot be used; the previous {Count} users stay in effect: {Error}")]
    public static partial void UsersReloadFailed(ILogger logger, int count, string error);

    [LoggerMessage(EventId = 5005, Level = LogLevel.Information, Message = "Password authentication: {Count} users from {Path}; new hashes use {Iterations} PBKDF2 iterations")]
    public static partial void UsersLoaded(ILogger logger, string path, int count, int iterations);

    [LoggerMessage(EventId = 5006, Level = LogLevel.Warning, Message = "Connection {ConnectionId} from {Remote}: authentication refused without a check for user {UserName}: {Key} is backing off after failures for another {Remaining}")]
    public static partial void BackingOff(ILogger logger, string connectionId, System.Net.EndPoint? remote, string userName, string key, TimeSpan remaining);
}
