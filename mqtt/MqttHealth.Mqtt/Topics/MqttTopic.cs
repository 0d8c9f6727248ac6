using System.Text;
using MqttHealth.Mqtt.Protocol;

namespace MqttHealth.Mqtt.Topics;

/// <summary>
/// Topic Name and Topic Filter rules (5.0 §4.7, §4.8.2). All checks work on the UTF-8 bytes, so the broker's
/// hot path never has to build a string. The string overloads are for configuration and tests.
/// A broken rule is a Protocol Error (0x82): the spec gives these rules no reason code, the packet parsed but
/// carries data the spec forbids (5.0 §1.2), and 0x8F/0x90 are for a "correctly formed" filter or name that
/// is refused (tables 3-8, 3-10), so they do not fit.
/// </summary>
public static class MqttTopic
{
    /// <summary>The prefix of a Shared Subscription filter (5.0 §4.8.2).</summary>
    public static ReadOnlySpan<byte> SharePrefix => "$share/"u8;

    private const byte Separator = (byte)'/';
    private const byte SingleLevel = (byte)'+';
    private const byte MultiLevel = (byte)'#';

    /// <summary>
    /// Checks a Topic Name: at least one byte [MQTT-4.7.3-1] and no wildcard. UTF-8 well-formedness is checked
    /// where the string is read.
    /// </summary>
    /// <param name="topic">The Topic Name's UTF-8 bytes.</param>
    /// <param name="wildcardRuleId">
    /// The statement the wildcard rule is cited by where the name is used: [MQTT-3.3.2-2] for a PUBLISH (the
    /// default), [MQTT-4.7.0-1] for a Will Topic, [MQTT-3.3.2-14] for a Response Topic.
    /// </param>
    public static void ValidateTopicName(ReadOnlySpan<byte> topic, string wildcardRuleId = "MQTT-3.3.2-2")
    {
        if (topic.IsEmpty)
        {
            MqttThrow.ProtocolError("MQTT-4.7.3-1", "A Topic Name must be at least one character long.");
        }

        if (topic.IndexOfAny(SingleLevel, MultiLevel) >= 0)
        {
            MqttThrow.ProtocolError(wildcardRuleId, "A Topic Name must not contain the wildcard characters '+' or '#'.");
        }
    }

    /// <summary>Whether <paramref name="topic"/> is a valid Topic Name (see <see cref="ValidateTopicName(ReadOnlySpan{byte}, string)"/>).</summary>
    public static bool IsValidTopicName(ReadOnlySpan<byte> topic) =>
        !topic.IsEmpty && topic.IndexOfAny(SingleLevel, MultiLevel) < 0;

    /// <summary>Whether <paramref name="topic"/> is a valid Topic Name.</summary>
    public static bool IsValidTopicName(string topic) => IsValidTopicName(Encoding.UTF8.GetBytes(topic));

    /// <summary>
    /// Checks a Topic Filter from SUBSCRIBE or UNSUBSCRIBE, including the Shared Subscription form
    /// <c>$share/{ShareName}/{filter}</c>: at least one byte [MQTT-4.7.3-1]; '#' alone or after '/' and last
    /// [MQTT-4.7.1-1]; '+' fills a whole level [MQTT-4.7.1-2]; a ShareName of at least one character without
    /// '/', '+' or '#', followed by '/' and a non-empty filter [MQTT-4.8.2-1], [MQTT-4.8.2-2].
    /// </summary>
    public static void ValidateTopicFilter(ReadOnlySpan<byte> filter)
    {
        if (filter.IsEmpty)
        {
            MqttThrow.ProtocolError("MQTT-4.7.3-1", "A Topic Filter must be at least one character long.");
        }

        if (filter.StartsWith(SharePrefix))
        {
            ReadOnlySpan<byte> rest = filter[SharePrefix.Length..];
            int slash = rest.IndexOf(Separator);
            ReadOnlySpan<byte> shareName = slash < 0 ? rest : rest[..slash];
            if (shareName.IsEmpty)
            {
                MqttThrow.ProtocolError("MQTT-4.8.2-1", "A ShareName must be at least one character long.");
            }

            if (shareName.IndexOfAny(SingleLevel, MultiLevel) >= 0)
            {
                MqttThrow.ProtocolError("MQTT-4.8.2-2", "A ShareName must not contain '/', '+' or '#'.");
            }

            if (slash < 0 || slash == rest.Length - 1)
            {
                MqttThrow.ProtocolError("MQTT-4.8.2-2", "A Shared Subscription must be $share/{ShareName}/{filter} with a non-empty filter.");
            }

            filter = rest[(slash + 1)..];
        }

        ValidateFilterLevels(filter);
    }

    /// <summary>Whether <paramref name="filter"/> is a valid Topic Filter (see <see cref="ValidateTopicFilter(ReadOnlySpan{byte})"/>).</summary>
    public static bool IsValidTopicFilter(ReadOnlySpan<byte> filter)
    {
        try
        {
            ValidateTopicFilter(filter);
            return true;
        }
        catch (MqttProtocolException)
        {
            return false;
        }
    }

    /// <summary>Whether <paramref name="filter"/> is a valid Topic Filter.</summary>
    public static bool IsValidTopicFilter(string filter) => IsValidTopicFilter(Encoding.UTF8.GetBytes(filter));

    /// <summary>Whether the filter contains '+' or '#'.</summary>
    public static bool HasWildcards(ReadOnlySpan<byte> filter) => filter.IndexOfAny(SingleLevel, MultiLevel) >= 0;

    /// <summary>
    /// Whether a (valid, non-shared) Topic Filter matches a Topic Name (5.0 §4.7). A filter that starts with a
    /// wildcard does not match a topic that starts with '$' [MQTT-4.7.2-1]. "sport/#" also matches "sport".
    /// </summary>
    public static bool Matches(ReadOnlySpan<byte> filter, ReadOnlySpan<byte> topic)
    {
        if (!topic.IsEmpty && topic[0] == (byte)'$' && !filter.IsEmpty && (filter[0] == SingleLevel || filter[0] == MultiLevel))
        {
            return false;
        }

        bool topicDone = false;
        while (true)
        {
            int filterEnd = filter.IndexOf(Separator);
            ReadOnlySpan<byte> filterLevel = filterEnd < 0 ? filter : filter[..filterEnd];
            if (filterLevel.Length == 1 && filterLevel[0] == MultiLevel)
            {
                return true;
            }

            if (topicDone)
            {
                return false;
            }

            int topicEnd = topic.IndexOf(Separator);
            ReadOnlySpan<byte> topicLevel = topicEnd < 0 ? topic : topic[..topicEnd];
            if (!(filterLevel.Length == 1 && filterLevel[0] == SingleLevel) && !filterLevel.SequenceEqual(topicLevel))
            {
                return false;
            }

            if (filterEnd < 0)
            {
                return topicEnd < 0;
            }

            filter = filter[(filterEnd + 1)..];
            if (topicEnd < 0)
            {
                topicDone = true;
            }
            else
            {
                topic = topic[(topicEnd + 1)..];
            }
        }
    }

    /// <summary>Whether a Topic Filter matches a Topic Name; see <see cref="Matches(ReadOnlySpan{byte}, ReadOnlySpan{byte})"/>.</summary>
    public static bool Matches(string filter, string topic) =>
        Matches(Encoding.UTF8.GetBytes(filter), Encoding.UTF8.GetBytes(topic));

    /// <summary>
    /// Splits a Shared Subscription filter <c>$share/{ShareName}/{filter}</c>. Returns false for an ordinary
    /// filter. The filter must already have passed <see cref="ValidateTopicFilter(ReadOnlySpan{byte})"/>.
    /// </summary>
    public static bool TryParseShared(string filter, out string shareName, out string innerFilter)
    {
        if (filter.StartsWith("$share/", StringComparison.Ordinal))
        {
            int slash = filter.IndexOf('/', 7);
            if (slash > 7 && slash < filter.Length - 1)
            {
                shareName = filter[7..slash];
                innerFilter = filter[(slash + 1)..];
                return true;
            }
        }

        shareName = string.Empty;
        innerFilter = filter;
        return false;
    }

    private static void ValidateFilterLevels(ReadOnlySpan<byte> filter)
    {
        int multi = filter.IndexOf(MultiLevel);
        if (multi >= 0 && (multi != filter.Length - 1 || (multi > 0 && filter[multi - 1] != Separator)))
        {
            MqttThrow.ProtocolError("MQTT-4.7.1-1", "The multi-level wildcard '#' must be the last character, alone or after a '/'.");
        }

        int single = filter.IndexOf(SingleLevel);
        while (single >= 0)
        {
            bool startsLevel = single == 0 || filter[single - 1] == Separator;
            bool endsLevel = single == filter.Length - 1 || filter[single + 1] == Separator;
            if (!startsLevel || !endsLevel)
            {
                MqttThrow.ProtocolError("MQTT-4.7.1-2", "The single-level wildcard '+' must occupy an entire level of the filter.");
            }

            int next = filter[(single + 1)..].IndexOf(SingleLevel);
            single = next < 0 ? -1 : single + 1 + next;
        }
    }
}
