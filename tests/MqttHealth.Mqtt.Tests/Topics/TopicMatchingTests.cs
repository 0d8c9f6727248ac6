using System.Text;
using MqttHealth.Mqtt.Protocol;
using MqttHealth.Mqtt.Topics;

namespace MqttHealth.Mqtt.Tests.Topics;

/// <summary>Topic Name / Topic Filter validation and matching (5.0 §4.7, §4.8.2; 3.1.1 §4.7).</summary>
public class TopicMatchingTests
{
    /// <summary>The examples of 5.0 §4.7.1.2, §4.7.1.3 and §4.7.2 (the same in 3.1.1 §4.7), plus empty levels.</summary>
    [Theory]
    [InlineData("sport/tennis/player1/#", "sport/tennis/player1", true)]
    [InlineData("sport/tennis/player1/#", "sport/tennis/player1/ranking", true)]
    [InlineData("sport/tennis/player1/#", "sport/tennis/player1/score/wimbledon", true)]
    [InlineData("sport/tennis/player1/#", "sport/tennis/player2", false)]
    [InlineData("sport/#", "sport", true)]
    [InlineData("sport/#", "sports", false)]
    [InlineData("#", "sport/tennis/player1", true)]
    [InlineData("#", "/", true)]
    [InlineData("sport/tennis/+", "sport/tennis/player1", true)]
    [InlineData("sport/tennis/+", "sport/tennis/player2", true)]
    [InlineData("sport/tennis/+", "sport/tennis/player1/ranking", false)]
    [InlineData("sport/+", "sport", false)]
    [InlineData("sport/+", "sport/", true)]
    [InlineData("+", "finance", true)]
    [InlineData("+", "finance/stock", false)]
    [InlineData("+/+", "/finance", true)]
    [InlineData("/+", "/finance", true)]
    [InlineData("+", "/finance", false)]
    [InlineData("+/tennis/#", "sport/tennis/player1", true)]
    [InlineData("#", "$SYS/monitor/Clients", false)]
    [InlineData("+/monitor/Clients", "$SYS/monitor/Clients", false)]
    [InlineData("$SYS/#", "$SYS/monitor/Clients", true)]
    [InlineData("$SYS/monitor/+", "$SYS/monitor/Clients", true)]
    [InlineData("$SYS/#", "$SYS", true)]
    [InlineData("+", "$SYS", false)]
    [InlineData("#", "$", false)]
    [InlineData("/#", "/$SYS", true)] // '$' only matters at the start of the Topic Name
    [InlineData("a/+/c", "a/$x/c", true)]
    [InlineData("a//c", "a//c", true)]
    [InlineData("a/+/c", "a//c", true)]
    [InlineData("a//c", "a/b/c", false)]
    [InlineData("/", "/", true)]
    [InlineData("+/+", "/", true)]
    [InlineData("+", "/", false)]
    [InlineData("a/", "a", false)]
    [InlineData("a", "a/", false)]
    [InlineData("a/#", "a/", true)]
    [InlineData("/#", "a", false)]
    [InlineData("Sport", "sport", false)] // topics are case-sensitive (4.7.3)
    [InlineData("ü/+/日本", "ü/🙂/日本", true)]
    [InlineData("a b/+", "a b/c d", true)] // space is a valid character (4.7.3)
    public void Matches_SpecExamples_AsExpected(string filter, string topic, bool expected)
    {
        Assert.True(MqttTopic.IsValidTopicFilter(filter), $"'{filter}' is a valid filter");
        Assert.True(MqttTopic.IsValidTopicName(topic), $"'{topic}' is a valid name");
        Assert.Equal(expected, MqttTopic.Matches(filter, topic));
        Assert.Equal(expected, MqttTopic.Matches(Encoding.UTF8.GetBytes(filter), Encoding.UTF8.GetBytes(topic)));
    }

    [Theory]
    [InlineData("#")]
    [InlineData("+")]
    [InlineData("sport/#")]
    [InlineData("sport/tennis/#")]
    [InlineData("sport/+/player1")]
    [InlineData("+/+")]
    [InlineData("/+")]
    [InlineData("+/")]
    [InlineData("+/tennis/#")]
    [InlineData("/")]
    [InlineData("//")]
    [InlineData("a")]
    [InlineData("$SYS/#")]
    [InlineData("$share")] // no '/' after it: an ordinary filter
    [InlineData("$share/group/sport/#")]
    [InlineData("$share/g/+")]
    [InlineData("$share/g/#")]
    [InlineData("$share/g//")]
    [InlineData("ü/日本/+")]
    public void ValidateTopicFilter_ValidFilter_DoesNotThrow(string filter)
    {
        MqttTopic.ValidateTopicFilter(Encoding.UTF8.GetBytes(filter));
        Assert.True(MqttTopic.IsValidTopicFilter(filter));
    }

    [Theory]
    [InlineData("", "MQTT-4.7.3-1")]
    [InlineData("sport/tennis#", "MQTT-4.7.1-1")]
    [InlineData("sport/tennis/#/ranking", "MQTT-4.7.1-1")]
    [InlineData("#/", "MQTT-4.7.1-1")]
    [InlineData("##", "MQTT-4.7.1-1")]
    [InlineData("a/#b", "MQTT-4.7.1-1")]
    [InlineData("sport+", "MQTT-4.7.1-2")]
    [InlineData("+sport", "MQTT-4.7.1-2")]
    [InlineData("sport/+tennis", "MQTT-4.7.1-2")]
    [InlineData("sport/ten+nis", "MQTT-4.7.1-2")]
    [InlineData("++", "MQTT-4.7.1-2")]
    [InlineData("a/++/b", "MQTT-4.7.1-2")]
    [InlineData("+#", "MQTT-4.7.1-1")]
    public void ValidateTopicFilter_InvalidFilter_ThrowsProtocolError(string filter, string normativeId)
    {
        // The spec gives these rules no reason code; the codec answers 0x82 (see MqttTopic's class comment:
        // 0x8F is for a correctly formed filter that is refused).
        var error = Assert.Throws<MqttProtocolException>(() => MqttTopic.ValidateTopicFilter(Encoding.UTF8.GetBytes(filter)));
        Assert.Equal(ReasonCode.ProtocolError, error.ReasonCode);
        Assert.Equal(normativeId, error.NormativeId);
        Assert.False(MqttTopic.IsValidTopicFilter(filter));
    }

    [Theory]
    [InlineData("a")]
    [InlineData("/")]
    [InlineData("/finance")]
    [InlineData("a//b/")]
    [InlineData("$SYS/monitor/Clients")]
    [InlineData(" ")]
    [InlineData("温度/センサー/🌡")]
    public void ValidateTopicName_ValidName_DoesNotThrow(string topic)
    {
        MqttTopic.ValidateTopicName(Encoding.UTF8.GetBytes(topic));
        Assert.True(MqttTopic.IsValidTopicName(topic));
    }

    [Theory]
    [InlineData("+")]
    [InlineData("#")]
    [InlineData("sport/+")]
    [InlineData("sport/#")]
    [InlineData("sport+")]
    [InlineData("a#b")]
    public void ValidateTopicName_Wildcard_ThrowsProtocolError(string topic)
    {
        // [MQTT-3.3.2-2] The Topic Name in the PUBLISH packet MUST NOT contain wildcard characters.
        var error = Assert.Throws<MqttProtocolException>(() => MqttTopic.ValidateTopicName(Encoding.UTF8.GetBytes(topic)));
        Assert.Equal(ReasonCode.ProtocolError, error.ReasonCode);
        Assert.Equal("MQTT-3.3.2-2", error.NormativeId);
        Assert.False(MqttTopic.IsValidTopicName(topic));
    }

    [Fact]
    public void ValidateTopicName_Empty_ThrowsProtocolError()
    {
        // [MQTT-4.7.3-1] All Topic Names and Topic Filters MUST be at least one character long.
        var error = Assert.Throws<MqttProtocolException>(() => MqttTopic.ValidateTopicName(ReadOnlySpan<byte>.Empty));
        Assert.Equal(ReasonCode.ProtocolError, error.ReasonCode);
        Assert.Equal("MQTT-4.7.3-1", error.NormativeId);
        Assert.False(MqttTopic.IsValidTopicName(string.Empty));
    }

    [Theory]
    [InlineData("$share/group/sport/#", "group", "sport/#")]
    [InlineData("$share/g/+", "g", "+")]
    [InlineData("$share/consumer1/a/b/c", "consumer1", "a/b/c")]
    [InlineData("$share/g//", "g", "/")]
    [InlineData("$share/grüppe/温度/+", "grüppe", "温度/+")]
    [InlineData("$share/$g/x", "$g", "x")]
    public void TryParseShared_SharedFilter_SplitsShareNameAndFilter(string filter, string expectedGroup, string expectedFilter)
    {
        Assert.True(MqttTopic.IsValidTopicFilter(filter));

        Assert.True(MqttTopic.TryParseShared(filter, out string group, out string inner));

        Assert.Equal(expectedGroup, group);
        Assert.Equal(expectedFilter, inner);
    }

    [Theory]
    [InlineData("sport/#")]
    [InlineData("$share")]
    [InlineData("$sharex/g/a")]
    [InlineData("share/g/a")]
    [InlineData("$SHARE/g/a")]
    public void TryParseShared_OrdinaryFilter_ReturnsFalseAndTheFilter(string filter)
    {
        Assert.False(MqttTopic.TryParseShared(filter, out string group, out string inner));
        Assert.Equal(string.Empty, group);
        Assert.Equal(filter, inner);
    }

    [Theory]
    [InlineData("$share/+/a", "MQTT-4.8.2-2")]
    [InlineData("$share/#/a", "MQTT-4.8.2-2")]
    [InlineData("$share/g+/a", "MQTT-4.8.2-2")]
    [InlineData("$share/g#/a", "MQTT-4.8.2-2")]
    [InlineData("$share//a", "MQTT-4.8.2-1")]
    [InlineData("$share/", "MQTT-4.8.2-1")]
    [InlineData("$share/g", "MQTT-4.8.2-2")]
    [InlineData("$share/g/", "MQTT-4.8.2-2")]
    [InlineData("$share/g/a+", "MQTT-4.7.1-2")]
    [InlineData("$share/g/#/a", "MQTT-4.7.1-1")]
    public void ValidateTopicFilter_InvalidSharedFilter_ThrowsProtocolError(string filter, string normativeId)
    {
        // [MQTT-4.8.2-1] starts with $share/ and has a ShareName of at least one character; [MQTT-4.8.2-2] the
        // ShareName has no '/', '+' or '#' and is followed by '/' and a Topic Filter (which follows 4.7).
        var error = Assert.Throws<MqttProtocolException>(() => MqttTopic.ValidateTopicFilter(Encoding.UTF8.GetBytes(filter)));
        Assert.Equal(ReasonCode.ProtocolError, error.ReasonCode);
        Assert.Equal(normativeId, error.NormativeId);
    }

    [Theory]
    [InlineData("$share//a")]
    [InlineData("$share/")]
    [InlineData("$share/g")]
    [InlineData("$share/g/")]
    public void TryParseShared_EmptyShareNameOrMissingFilter_ReturnsFalse(string filter)
    {
        Assert.False(MqttTopic.TryParseShared(filter, out _, out _));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Matches_RandomValidPairs_AgreesWithReferenceImplementation(int seed)
    {
        var random = new Random(seed);
        int matched = 0;
        const int Pairs = 600;
        for (int i = 0; i < Pairs; i++)
        {
            string topic = RandomTopic(random);
            string filter = random.Next(2) == 0 ? FilterFrom(topic, random) : RandomFilter(random);
            Assert.True(MqttTopic.IsValidTopicName(topic), $"generated topic '{topic}' must be valid");
            Assert.True(MqttTopic.IsValidTopicFilter(filter), $"generated filter '{filter}' must be valid");

            bool expected = ReferenceMatches(filter, topic);
            Assert.True(expected == MqttTopic.Matches(filter, topic), $"filter '{filter}', topic '{topic}': reference says {expected}");
            matched += expected ? 1 : 0;
        }

        // Both outcomes must be well represented, or the comparison says little.
        Assert.InRange(matched, Pairs / 5, Pairs * 4 / 5);
    }

    /// <summary>
    /// The matching rules of 5.0 §4.7, written as directly as possible: split both on '/', walk level by level.
    /// '+' matches exactly one level (possibly empty), '#' matches this and all following levels including none
    /// (so "a/#" matches "a"), and a filter starting with a wildcard never matches a topic starting with '$'.
    /// </summary>
    private static bool ReferenceMatches(string filter, string topic)
    {
        if (topic.StartsWith('$') && (filter.StartsWith('+') || filter.StartsWith('#')))
        {
            return false;
        }

        string[] f = filter.Split('/');
        string[] t = topic.Split('/');
        for (int i = 0; i < f.Length; i++)
        {
            if (f[i] == "#")
            {
                return true;
            }

            if (i >= t.Length || (f[i] != "+" && f[i] != t[i]))
            {
                return false;
            }
        }

        return f.Length == t.Length;
    }

    private static readonly string[] Levels = ["a", "b", "ab", string.Empty, "ü", "日本", "$x"];

    private static string RandomTopic(Random random)
    {
        int count = random.Next(1, 5);
        var levels = new string[count];
        for (int i = 0; i < count; i++)
        {
            levels[i] = Levels[random.Next(Levels.Length)];
        }

        if (random.Next(6) == 0)
        {
            levels[0] = random.Next(2) == 0 ? "$SYS" : "$";
        }

        string topic = string.Join('/', levels);
        return topic.Length == 0 ? "a" : topic;
    }

    /// <summary>A filter derived from a topic (so that matches are common): some levels become '+', maybe cut and ended with '#'.</summary>
    private static string FilterFrom(string topic, Random random)
    {
        var levels = topic.Split('/').ToList();
        for (int i = 0; i < levels.Count; i++)
        {
            if (random.Next(3) == 0)
            {
                levels[i] = "+";
            }
        }

        if (random.Next(3) == 0)
        {
            levels = levels.Take(random.Next(0, levels.Count + 1)).Append("#").ToList();
        }
        else if (random.Next(5) == 0)
        {
            levels.Add(Levels[random.Next(Levels.Length)]);
        }

        return string.Join('/', levels);
    }

    private static string RandomFilter(Random random)
    {
        int count = random.Next(1, 5);
        var levels = new List<string>();
        for (int i = 0; i < count; i++)
        {
            int pick = random.Next(Levels.Length + 2);
            levels.Add(pick < Levels.Length ? Levels[pick] : "+");
        }

        if (random.Next(3) == 0)
        {
            levels.Add("#");
        }

        // A single empty level would be the empty string, which is not a filter [MQTT-4.7.3-1].
        string filter = string.Join('/', levels);
        return filter.Length == 0 ? "+" : filter;
    }
}
