namespace MqttHealth.Broker.Security.Authentication;

/// <summary>
/// Client certificate authentication and revocation events, ids 5040-5059 (within authentication's 5001-5099).
/// Certificates are named by subject, serial number and issuer; nothing secret is in them.
/// </summary>
internal static partial class CertificateLog
{
    [LoggerMessage(EventId = 5040, Level = LogLevel.Information, Message = "Certificate authentication: identity from {Identity}; attributes {Attributes}; roles without a users file entry: {DefaultRoles}")]
    public static partial void Ready(ILogger logger, string identity, string attributes, string defaultRoles);

    [LoggerMessage(EventId = 5041, Level = LogLevel.Information, Message = "Connection {ConnectionId} from {Remote}: {Identity} authenticated with a client certificate (subject {Subject}, serial {Serial}, issuer {Issuer}, valid until {NotAfter:yyyy-MM-ddTHH:mm:ssZ}){Entry}")]
    public static partial void Succeeded(ILogger logger, string connectionId, System.Net.EndPoint? remote, string identity, string subject, string serial, string issuer, DateTimeOffset notAfter, string entry);

    [LoggerMessage(EventId = 5042, Level = LogLevel.Warning, Message = "Connection {ConnectionId} from {Remote}: client certificate refused (subject {Subject}, serial {Serial}, issuer {Issuer}): {Why}")]
    public static partial void Refused(ILogger logger, string connectionId, System.Net.EndPoint? remote, string subject, string serial, string issuer, string why);

    [LoggerMessage(EventId = 5043, Level = LogLevel.Warning, Message = "Connection {ConnectionId}: the {What} '{Value}' from the client certificate (subject {Subject}) contains '+', '#', '/' or U+0000; it is kept as it is, and the topic policy will not use it in a placeholder")]
    public static partial void UnusableValue(ILogger logger, string connectionId, string what, string value, string subject);

    [LoggerMessage(EventId = 5044, Level = LogLevel.Information, Message = "Client CRL file {Path}: {Lists} CRLs, {Revoked} revoked serial numbers; stale CRLs: {StaleMode}")]
    public static partial void CrlLoaded(ILogger logger, string path, int lists, int revoked, Options.CrlStaleMode staleMode);

    [LoggerMessage(EventId = 5045, Level = LogLevel.Warning, Message = "Client CRL file {Path} changed and was reloaded: {Lists} CRLs, {Revoked} revoked serial numbers; {Dropped} live connections with a now refused certificate disconnected")]
    public static partial void CrlReloaded(ILogger logger, string path, int lists, int revoked, int dropped);

    [LoggerMessage(EventId = 5046, Level = LogLevel.Error, Message = "Client CRL file changed but cannot be used; the previous {Lists} CRLs ({Revoked} revoked serial numbers) stay in force: {Error}")]
    public static partial void CrlReloadFailed(ILogger logger, int lists, int revoked, string error);

    [LoggerMessage(EventId = 5047, Level = LogLevel.Warning, Message = "Connection {ConnectionId} (client {ClientId}, {Identity}) disconnected after a CRL reload: {Why}")]
    public static partial void ConnectionRevoked(ILogger logger, string connectionId, string clientId, string identity, string why);

    [LoggerMessage(EventId = 5048, Level = LogLevel.Error, Message = "The client CRL of {Issuer} is past its next update ({NextUpdate:yyyy-MM-ddTHH:mm:ssZ}): {Consequence}. Install a fresh CRL in {Path}")]
    public static partial void CrlStale(ILogger logger, string issuer, DateTimeOffset nextUpdate, string consequence, string path);

    [LoggerMessage(EventId = 5049, Level = LogLevel.Warning, Message = "No CRL in {Path} covers the certificates issued by CA {Subject}: they are not checked for revocation")]
    public static partial void CaWithoutCrl(ILogger logger, string path, string subject);
}
