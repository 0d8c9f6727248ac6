namespace MqttHealth.Broker.Engine;

/// <summary>
/// The engine's log events. Event ids are stable (operators alert on them): 1000-1999 connections and
/// sessions, 4000-4999 routing and queues. Client ids and topics are opaque by design (no PHI in them,
/// see docs/); payloads are never logged.
/// </summary>
internal static partial class BrokerLog
{
    [LoggerMessage(EventId = 1001, Level = LogLevel.Information, Message = "Broker engine started: {Sessions} stored sessions and {Retained} retained messages loaded; storage is {Storage}")]
    public static partial void Started(ILogger logger, int sessions, int retained, string storage);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Information, Message = "Connection {ConnectionId} over {Transport} refused: the broker is not running")]
    public static partial void ConnectionRefusedNotRunning(ILogger logger, string connectionId, string transport);

    [LoggerMessage(EventId = 1003, Level = LogLevel.Debug, Message = "Connection {ConnectionId} opened over {Transport} from {Remote}")]
    public static partial void ConnectionOpened(ILogger logger, string connectionId, string transport, System.Net.EndPoint? remote);

    [LoggerMessage(EventId = 1004, Level = LogLevel.Information, Message = "Shutting down: telling {Connections} connections DISCONNECT 0x8B and closing them")]
    public static partial void ShuttingDown(ILogger logger, int connections);

    [LoggerMessage(EventId = 1005, Level = LogLevel.Information, Message = "Storage flushed and closed after {Commits} commits")]
    public static partial void StorageFlushed(ILogger logger, long commits);

    [LoggerMessage(EventId = 1006, Level = LogLevel.Warning, Message = "Shutdown: some connections did not end in time; storage is flushed without waiting for them")]
    public static partial void ShutdownConnectionsLingering(ILogger logger);

    [LoggerMessage(EventId = 1010, Level = LogLevel.Information, Message = "Client {ClientId}: session taken over; connection {OldConnection} closed with 0x8E for {NewConnection}")]
    public static partial void SessionTakenOver(ILogger logger, string clientId, string oldConnection, string newConnection);

    [LoggerMessage(EventId = 1011, Level = LogLevel.Warning, Message = "Connection {ConnectionId}: CONNECT refused with 0x{ReasonCode:X2}: {Why}")]
    public static partial void ConnectRefused(ILogger logger, string connectionId, int reasonCode, string why);

    [LoggerMessage(EventId = 1012, Level = LogLevel.Information, Message = "Client {ClientId} connected on {ConnectionId} over {Transport} with MQTT {Version}: clean start {CleanStart}, session present {SessionPresent}, keep alive {KeepAlive} s, session expiry {SessionExpiry} s")]
    public static partial void ClientConnected(ILogger logger, string clientId, string connectionId, string transport, string version, bool cleanStart, bool sessionPresent, int keepAlive, uint sessionExpiry);

    [LoggerMessage(EventId = 1013, Level = LogLevel.Information, Message = "Connection {ConnectionId} (client {ClientId}) closed: {Reason}")]
    public static partial void ConnectionClosed(ILogger logger, string connectionId, string clientId, string reason);

    [LoggerMessage(EventId = 1014, Level = LogLevel.Information, Message = "Client {ClientId}: will published {When}")]
    public static partial void WillPublished(ILogger logger, string clientId, string when);

    [LoggerMessage(EventId = 1015, Level = LogLevel.Information, Message = "Session {ClientId} ended: {Why}")]
    public static partial void SessionEnded(ILogger logger, string clientId, string why);

    [LoggerMessage(EventId = 1016, Level = LogLevel.Warning, Message = "Connection {ConnectionId} (client {ClientId}): protocol error 0x{ReasonCode:X2} [{NormativeId}]: {Detail}")]
    public static partial void ProtocolError(ILogger logger, string connectionId, string clientId, int reasonCode, string normativeId, string detail);

    [LoggerMessage(EventId = 1017, Level = LogLevel.Warning, Message = "Client {ClientId} published to a '$' topic; refused (those topics belong to the broker)")]
    public static partial void ReservedTopicRefused(ILogger logger, string clientId);

    [LoggerMessage(EventId = 1018, Level = LogLevel.Debug, Message = "Client {ClientId} subscribed to {TopicFilter} (granted QoS {GrantedQoS})")]
    public static partial void Subscribed(ILogger logger, string clientId, string topicFilter, int grantedQoS);

    [LoggerMessage(EventId = 1019, Level = LogLevel.Debug, Message = "Client {ClientId} unsubscribed from {TopicFilter}")]
    public static partial void Unsubscribed(ILogger logger, string clientId, string topicFilter);

    [LoggerMessage(EventId = 1020, Level = LogLevel.Error, Message = "Client {ClientId}: storage failed ({Detail}); nothing was acknowledged and the connection is closed so the client resends")]
    public static partial void StorageFailed(ILogger logger, string clientId, string detail);

    [LoggerMessage(EventId = 4001, Level = LogLevel.Warning, Message = "Session {ClientId}: queue full ({MaxQueued} messages); policy {Policy} drops messages (first on {Topic}); counted in $SYS/broker/messages/dropped")]
    public static partial void QueueOverflow(ILogger logger, string clientId, int maxQueued, string policy, string topic);

    [LoggerMessage(EventId = 4002, Level = LogLevel.Information, Message = "Shared subscription {ShareName}: a message unacknowledged by {FromClient} goes to {ToClient}")]
    public static partial void SharedRedelivered(ILogger logger, string fromClient, string toClient, string shareName);

    [LoggerMessage(EventId = 1021, Level = LogLevel.Information, Message = "Topic policy {Path}: {Roles} roles, enforced at CONNECT (will), PUBLISH, SUBSCRIBE and delivery; default deny")]
    public static partial void PolicyEnforced(ILogger logger, string path, int roles);

    [LoggerMessage(EventId = 1022, Level = LogLevel.Warning, Message = "NO TOPIC POLICY (Broker:Security:PolicyFile, or policy.json in the data directory): every accepted connection may publish and subscribe to every topic not starting with '$'")]
    public static partial void NoPolicy(ILogger logger);

    [LoggerMessage(EventId = 1023, Level = LogLevel.Warning, Message = "Topic policy {Path} reloaded as version {Version}: {Roles} roles; {Revoked} live subscriptions it no longer allows were removed")]
    public static partial void PolicyReloaded(ILogger logger, string path, long version, int roles, int revoked);

    [LoggerMessage(EventId = 1024, Level = LogLevel.Error, Message = "Topic policy {Path} changed but cannot be used; version {Version} stays in force: {Error}")]
    public static partial void PolicyReloadRefused(ILogger logger, string path, long version, string error);

    [LoggerMessage(EventId = 1030, Level = LogLevel.Warning, Message = "BREAK-GLASS grant {Grant} opened by {Principal} (client {ClientId}), reason {Reason}, topics {Topics}, until {ExpiresAt:O}")]
    public static partial void GrantOpened(ILogger logger, string grant, string principal, string clientId, string reason, string topics, DateTimeOffset expiresAt);

    [LoggerMessage(EventId = 1031, Level = LogLevel.Warning, Message = "Break-glass grant {Grant} of {Principal} closed: {Reason}")]
    public static partial void GrantClosed(ILogger logger, string grant, string principal, string reason);

    [LoggerMessage(EventId = 1032, Level = LogLevel.Warning, Message = "Break-glass request of {Principal} (client {ClientId}) refused: {Why}")]
    public static partial void GrantRefused(ILogger logger, string clientId, string principal, string why);

    [LoggerMessage(EventId = 1033, Level = LogLevel.Error, Message = "Break-glass grant {Grant} was not opened: its audit record could not be written ({Error})")]
    public static partial void GrantNotAudited(ILogger logger, string grant, string error);

    [LoggerMessage(EventId = 1034, Level = LogLevel.Error, Message = "Break-glass grants cannot be read from the audit trail; none is in force: {Error}")]
    public static partial void GrantsUnreadable(ILogger logger, string error);

    [LoggerMessage(EventId = 1035, Level = LogLevel.Warning, Message = "{Count} break-glass grants are closed and not yet reviewed: mqtthealth-broker breakglass list --unreviewed")]
    public static partial void GrantsAwaitReview(ILogger logger, int count);

    [LoggerMessage(EventId = 1025, Level = LogLevel.Error, Message = "An audit record ({Kind}) came after the audit trail was closed (shutdown)")]
    public static partial void AuditClosed(ILogger logger, string kind);
}
