namespace MqttHealth.Broker.Hosting;

/// <summary>
/// Log messages of the hosting, listeners and admin port (event ids 3000-3999, stable: operators alert on them).
/// </summary>
internal static partial class HostingLog
{
    [LoggerMessage(EventId = 3001, EventName = "BrokerListening", Level = LogLevel.Information,
        Message = "Broker listening on {Endpoints}; storage {Storage}, data directory {DataDirectory}")]
    public static partial void BrokerListening(this ILogger logger, string endpoints, string storage, string dataDirectory);

    [LoggerMessage(EventId = 3002, EventName = "AnonymousAccessEnabled", Level = LogLevel.Warning,
        Message = "ANONYMOUS ACCESS IS ON (Broker:AllowAnonymous / --allow-anonymous): any client can connect without credentials. Development only; never on a network with patient data")]
    public static partial void AnonymousAccessEnabled(this ILogger logger);

    [LoggerMessage(EventId = 3003, EventName = "StorageRefusedToOpen", Level = LogLevel.Critical,
        Message = "The broker's storage refused to open; nothing is listening: {Reason}")]
    public static partial void StorageRefusedToOpen(this ILogger logger, string reason);

    [LoggerMessage(EventId = 3004, EventName = "BrokerStopping", Level = LogLevel.Information,
        Message = "Broker stopping: telling clients (MQTT 5: DISCONNECT 0x8B Server shutting down) and closing connections")]
    public static partial void BrokerStopping(this ILogger logger);

    [LoggerMessage(EventId = 3005, EventName = "BrokerStopped", Level = LogLevel.Information,
        Message = "Broker stopped; storage flushed")]
    public static partial void BrokerStopped(this ILogger logger);

    [LoggerMessage(EventId = 3006, EventName = "StorageFlushTimedOut", Level = LogLevel.Error,
        Message = "Storage was not flushed within the shutdown timeout {Timeout} (Broker:ShutdownTimeout); acknowledged messages written after the last commit may be lost")]
    public static partial void StorageFlushTimedOut(this ILogger logger, TimeSpan timeout);

    [LoggerMessage(EventId = 3007, EventName = "DevelopmentCertificateInUse", Level = LogLevel.Warning,
        Message = "The TLS listener uses a self-signed DEVELOPMENT certificate ({CertificatePath}, expires {NotAfter:yyyy-MM-dd}); clients cannot verify it. Set Broker:Tls:CertificatePath (--tls-cert) for production")]
    public static partial void DevelopmentCertificateInUse(this ILogger logger, string certificatePath, DateTime notAfter);

    [LoggerMessage(EventId = 3008, EventName = "DevelopmentCertificateCreated", Level = LogLevel.Information,
        Message = "Generated a development TLS certificate {CertificatePath} (thumbprint {Thumbprint})")]
    public static partial void DevelopmentCertificateCreated(this ILogger logger, string certificatePath, string thumbprint);

    [LoggerMessage(EventId = 3009, EventName = "ClientCertificateRejected", Level = LogLevel.Warning,
        Message = "Refused a TLS client certificate (subject {Subject}, thumbprint {Thumbprint}): {Reason}")]
    public static partial void ClientCertificateRejected(this ILogger logger, string subject, string thumbprint, string reason);

    [LoggerMessage(EventId = 3010, EventName = "WebSocketRequestRefused", Level = LogLevel.Debug,
        Message = "Refused a request on the WebSocket port from {RemoteEndPoint}: {Reason}")]
    public static partial void WebSocketRequestRefused(this ILogger logger, string? remoteEndPoint, string reason);

    [LoggerMessage(EventId = 3011, EventName = "SysPublishFailed", Level = LogLevel.Warning,
        Message = "Publishing $SYS topics failed; will retry at the next interval")]
    public static partial void SysPublishFailed(this ILogger logger, Exception exception);

    [LoggerMessage(EventId = 3012, EventName = "StartupFailed", Level = LogLevel.Critical,
        Message = "The broker failed to start: {Reason}")]
    public static partial void StartupFailed(this ILogger logger, string reason, Exception exception);

    [LoggerMessage(EventId = 3013, EventName = "ListenFailed", Level = LogLevel.Critical,
        Message = "A listener could not bind: {Reason}")]
    public static partial void ListenFailed(this ILogger logger, string reason);

    [LoggerMessage(EventId = 3014, EventName = "WebSocketTextFrame", Level = LogLevel.Debug,
        Message = "Closed WebSocket connection {ConnectionId}: it sent a text frame; MQTT travels in binary frames [MQTT-6.0.0-1]")]
    public static partial void WebSocketTextFrame(this ILogger logger, string connectionId);

    [LoggerMessage(EventId = 3015, EventName = "BeginShutdownFailed", Level = LogLevel.Error,
        Message = "Telling clients about the shutdown failed; connections will be closed by the server's drain")]
    public static partial void BeginShutdownFailed(this ILogger logger, Exception exception);
}
