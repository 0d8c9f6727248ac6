namespace MqttHealth.Broker.Security.Authorization;

/// <summary>
/// Level-by-level relations between an expanded policy pattern (levels; "+" and "#" are the wildcards: a
/// placeholder value can never be one of them) and a topic or filter. Topics and filters starting with '$'
/// never get here (admins only), and patterns starting with '$' are dropped at compile time, so the
/// [MQTT-4.7.2-1] exception for '$' topics needs no handling.
/// </summary>
internal static class TopicLevels
{
    public static bool IsSingle(string level) => level.Length == 1 && level[0] == '+';

    public static bool IsMulti(string level) => level.Length == 1 && level[0] == '#';

    /// <summary>Whether the pattern matches the Topic Name (5.0 §4.7; "a/#" also matches "a"). Allocates nothing.</summary>
    public static bool Matches(string[] pattern, ReadOnlySpan<char> topic)
    {
        int i = 0;
        while (true)
        {
            if (i == pattern.Length)
            {
                return false;
            }

            string level = pattern[i];
            if (IsMulti(level))
            {
                return true;
            }

            int slash = topic.IndexOf('/');
            ReadOnlySpan<char> topicLevel = slash < 0 ? topic : topic[..slash];
            if (!IsSingle(level) && !topicLevel.SequenceEqual(level))
            {
                return false;
            }

            i++;
            if (slash < 0)
            {
                return i == pattern.Length || (i == pattern.Length - 1 && IsMulti(pattern[i]));
            }

            topic = topic[(slash + 1)..];
        }
    }

    /// <summary>
    /// Whether every topic the filter matches is matched by the pattern: '+' in the filter only under '+' or
    /// '#', '#' in the filter only under '#' at the same or a shallower level (or, at the root, under "+/#"), a
    /// literal under the same literal, '+' or '#'.
    /// </summary>
    public static bool Contains(string[] pattern, string[] filter)
    {
        for (int i = 0; ; i++)
        {
            if (i < pattern.Length && IsMulti(pattern[i]))
            {
                return true;
            }

            if (i == filter.Length)
            {
                return i == pattern.Length;
            }

            if (i == pattern.Length)
            {
                return false;
            }

            string f = filter[i];
            string p = pattern[i];
            if (IsMulti(f))
            {
                // A '#' filter matches from the level before it ("a/#" matches "a"), so a pattern would need
                // '#' here too, except at the root: a topic has at least one level, so "#" and "+/#" match
                // the same topics.
                return i == 0 && IsSingle(p) && pattern.Length == 2 && IsMulti(pattern[1]);
            }

            if ((IsSingle(f) && !IsSingle(p)) || (!IsSingle(p) && !string.Equals(p, f, StringComparison.Ordinal)))
            {
                return false;
            }
        }
    }

    /// <summary>Whether some topic matches both (a filter and a deny pattern, or two patterns).</summary>
    public static bool Overlaps(string[] a, string[] b)
    {
        for (int i = 0; ; i++)
        {
            bool aDone = i == a.Length;
            bool bDone = i == b.Length;
            if ((!aDone && IsMulti(a[i])) || (!bDone && IsMulti(b[i])))
            {
                return true;
            }

            if (aDone || bDone)
            {
                return aDone && bDone;
            }

            if (!IsSingle(a[i]) && !IsSingle(b[i]) && !string.Equals(a[i], b[i], StringComparison.Ordinal))
            {
                return false;
            }
        }
    }
}
