namespace MqttHealth.EdgeAgent.Hosting;

/// <summary>The agent's log messages (source-generated; readings and patient references are never logged).</summary>
internal static partial class AgentLog
{
    [LoggerMessage(1, LogLevel.Information, "Agent started: devices {Devices}, data directory {DataDirectory}, broker {Host}:{Port} as '{ClientId}'")]
    public static partial void AgentStarted(this ILogger logger, string devices, string dataDirectory, string host, int port, string clientId);

    [LoggerMessage(2, LogLevel.Information, "Connected to {Host}:{Port} (session present {SessionPresent}, topic aliases {TopicAliasMaximum})")]
    public static partial void Connected(this ILogger logger, string host, int port, bool sessionPresent, ushort topicAliasMaximum);

    [LoggerMessage(3, LogLevel.Warning, "Cannot connect to {Host}:{Port}: {Reason}; next attempt in {Seconds:0.0} s")]
    public static partial void ConnectFailed(this ILogger logger, string host, int port, string reason, double seconds);

    [LoggerMessage(4, LogLevel.Warning, "Connection lost: {Reason}; reconnecting in {Seconds:0.0} s")]
    public static partial void ConnectionLost(this ILogger logger, string reason, double seconds);

    [LoggerMessage(5, LogLevel.Error, "The broker refused a publish on {Topic}: {Reason}; the message is dropped (counted)")]
    public static partial void PublishRefused(this ILogger logger, string topic, string reason);

    [LoggerMessage(6, LogLevel.Error, "The outbox could not store readings: {Reason}")]
    public static partial void StoreFailed(this ILogger logger, string reason, Exception exception);

    [LoggerMessage(7, LogLevel.Error, "Sealing for device {Device} failed: {Reason}; its readings stay on disk and are retried")]
    public static partial void SealFailed(this ILogger logger, string device, string reason, Exception exception);

    [LoggerMessage(8, LogLevel.Warning, "Input {Input} refused a reading: {Reason}")]
    public static partial void InputRejected(this ILogger logger, string input, string reason);

    [LoggerMessage(9, LogLevel.Error, "Input {Input} failed: {Reason}; it restarts")]
    public static partial void InputFailed(this ILogger logger, string input, string reason, Exception exception);

    [LoggerMessage(10, LogLevel.Information, "Input {Input} listening on {Where}")]
    public static partial void InputListening(this ILogger logger, string input, string where);

    [LoggerMessage(11, LogLevel.Error, "Status update failed: {Reason}")]
    public static partial void StatusFailed(this ILogger logger, string reason, Exception exception);

    [LoggerMessage(12, LogLevel.Information, "Simulating {Count} bedside monitors ({Monitors}) at speed {Speed}")]
    public static partial void SimulatorStarted(this ILogger logger, int count, string monitors, double speed);

    [LoggerMessage(13, LogLevel.Warning, "Simulator: {Count} readings of this second refused: {Reason}")]
    public static partial void SimulatorRefused(this ILogger logger, int count, string reason);

    [LoggerMessage(14, LogLevel.Warning, "The broker takes at most QoS {MaximumQos} and retained messages: {RetainAvailable}; alarms go at most at QoS {MaximumQos}, announcements and patient contexts unretained (receivers that subscribe later will miss them)")]
    public static partial void ServerLimits(this ILogger logger, int maximumQos, bool retainAvailable);
}
