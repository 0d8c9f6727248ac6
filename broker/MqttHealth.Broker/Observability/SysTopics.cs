using System.Globalization;
using System.Reflection;
using System.Text;

namespace MqttHealth.Broker.Observability;

/// <summary>
/// The <c>$SYS/broker/...</c> topics, named as Mosquitto names them so that existing dashboards and
/// <c>mosquitto_sub -t '$SYS/#'</c> habits work. Values are <see cref="BrokerMetrics"/> totals, the same numbers
/// /metrics exports. Payloads are ASCII decimal numbers (uptime in seconds), except the version.
/// </summary>
public static class SysTopics
{
    public const string Version = "$SYS/broker/version";
    public const string Uptime = "$SYS/broker/uptime";
    public const string ClientsConnected = "$SYS/broker/clients/connected";
    public const string MessagesReceived = "$SYS/broker/messages/received";
    public const string MessagesSent = "$SYS/broker/messages/sent";
    public const string BytesReceived = "$SYS/broker/bytes/received";
    public const string BytesSent = "$SYS/broker/bytes/sent";
    public const string MessagesQueued = "$SYS/broker/messages/queued";
    public const string MessagesDropped = "$SYS/broker/messages/dropped";

    /// <summary>With a space, as Mosquitto spells it.</summary>
    public const string RetainedMessagesCount = "$SYS/broker/retained messages/count";
    public const string SessionsCount = "$SYS/broker/sessions/count";

    /// <summary>The version text: <c>mqtthealth-broker 1.0.0</c> (informational version without the commit suffix).</summary>
    public static string VersionText { get; } = "mqtthealth-broker " + ProductVersion();

    /// <summary>The version message, published once at start (it does not change while running).</summary>
    public static SysTopicMessage VersionMessage() => new(Version, Encoding.ASCII.GetBytes(VersionText));

    /// <summary>The periodic messages for the current totals.</summary>
    public static IReadOnlyList<SysTopicMessage> Snapshot(BrokerMetrics metrics, TimeSpan uptime)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        return
        [
            Number(Uptime, (long)uptime.TotalSeconds),
            Number(ClientsConnected, metrics.ClientsConnected),
            Number(MessagesReceived, metrics.MessagesReceived),
            Number(MessagesSent, metrics.MessagesSent),
            Number(BytesReceived, metrics.BytesReceived),
            Number(BytesSent, metrics.BytesSent),
            Number(MessagesQueued, metrics.MessagesQueued),
            Number(MessagesDropped, metrics.MessagesDropped),
            Number(RetainedMessagesCount, metrics.RetainedMessages),
            Number(SessionsCount, metrics.Sessions),
        ];
    }

    /// <summary>The product version from the assembly (set by the build's Version property).</summary>
    public static string ProductVersion()
    {
        string? informational = typeof(SysTopics).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion;
        if (string.IsNullOrEmpty(informational))
        {
            return typeof(SysTopics).Assembly.GetName().Version?.ToString() ?? "0.0.0";
        }

        // SourceLink appends "+<commit>"; the topic carries the release, the commit is in the binary.
        int plus = informational.IndexOf('+', StringComparison.Ordinal);
        return plus < 0 ? informational : informational[..plus];
    }

    private static SysTopicMessage Number(string topic, long value) =>
        new(topic, Encoding.ASCII.GetBytes(value.ToString(CultureInfo.InvariantCulture)));
}
