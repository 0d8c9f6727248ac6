using MqttHealth.Broker.Messages;
using MqttHealth.Broker.Routing;
using MqttHealth.Mqtt.Protocol;
using MqttHealth.Mqtt.Topics;

namespace MqttHealth.Broker.Tests.Routing;

/// <summary>Retained messages (5.0 §3.3.1.3) by topic, matched against the filters of a SUBSCRIBE.</summary>
public class RetainedMessageIndexTests
{
    private static readonly string[] StoredTopics =
    [
        "a", "a/b", "a/b/c", "a/", "a//b", "/a", "/", "b", "ab",
        "$SYS", "$SYS/broker/uptime", "$SYS/broker/clients/connected", "a/$x", "$a/b",
        "mh/v1/fac1/icu/dev7/vitals", "mh/v1/fac1/icu/dev8/vitals", "mh/v1/fac2/ward/dev9/alarms",
    ];

    private readonly RetainedMessageIndex _index = new();
    private long _nextId;

    public static TheoryData<string> Filters => new()
    {
        "a", "a/b", "nothing", "$SYS", "a/",
        "#", "+", "+/+", "/+", "+/#", "/#",
        "a/#", "a/+", "a/+/c", "a/+/b", "a//b", "a/b/#", "ab/#",
        "$SYS/#", "$SYS/+", "$SYS/+/uptime", "$a/#", "$a/+",
        "mh/v1/+/+/+/vitals", "mh/v1/fac1/#", "mh/+/fac2/#", "+/v1/#",
    };

    [Theory]
    [MemberData(nameof(Filters))]
    public void Match_Filter_ReturnsExactlyTheOracleMatches(string filter)
    {
        foreach (string topic in StoredTopics)
        {
            _index.Set(Message(topic));
        }

        var results = new List<BrokerMessage>();
        _index.Match(filter, results);

        string[] expected = StoredTopics.Where(t => MqttTopic.Matches(filter, t)).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(expected, results.Select(m => m.Topic).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Match_HashAtParentLevel_IncludesTheParentTopic()
    {
        _index.Set(Message("sport"));
        _index.Set(Message("sport/tennis"));
        _index.Set(Message("sports"));
        var results = new List<BrokerMessage>();

        _index.Match("sport/#", results);

        Assert.Equal(["sport", "sport/tennis"], results.Select(m => m.Topic).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Match_WildcardFirstLevel_SkipsDollarTopics()
    {
        _index.Set(Message("$SYS/broker/uptime"));
        _index.Set(Message("$SYS"));
        var results = new List<BrokerMessage>();

        _index.Match("#", results);
        _index.Match("+", results);
        _index.Match("+/broker/uptime", results);
        Assert.Empty(results);

        _index.Match("$SYS/#", results);
        Assert.Equal(2, results.Count);
    }

    [Fact]
    public void Set_SameTopic_ReplacesAndReturnsPrevious()
    {
        BrokerMessage first = Message("a/b");
        BrokerMessage second = Message("a/b");

        Assert.Null(_index.Set(first));
        Assert.Same(first, _index.Set(second));

        Assert.Equal(1, _index.Count);
        var results = new List<BrokerMessage>();
        _index.Match("a/+", results);
        Assert.Same(second, Assert.Single(results));
        results.Clear();
        _index.Match("a/b", results);
        Assert.Same(second, Assert.Single(results));
    }

    [Fact]
    public void Remove_Topic_ReturnsRemovedAndPrunesEmptyNodes()
    {
        BrokerMessage parent = Message("a");
        BrokerMessage deep = Message("a/b/c/d");
        _index.Set(parent);
        _index.Set(deep);
        Assert.Equal(4, _index.NodeCount);

        Assert.Null(_index.Remove("a/b"));
        Assert.Same(deep, _index.Remove("a/b/c/d"));
        Assert.Null(_index.Remove("a/b/c/d"));

        Assert.Equal(1, _index.Count);
        Assert.Equal(1, _index.NodeCount); // "a" still holds a message
        var results = new List<BrokerMessage>();
        _index.Match("#", results);
        Assert.Same(parent, Assert.Single(results));

        Assert.Same(parent, _index.Remove("a"));
        Assert.Equal(0, _index.Count);
        Assert.Equal(0, _index.NodeCount);
    }

    [Fact]
    public void Remove_ParentWithChildren_KeepsChildren()
    {
        _index.Set(Message("a"));
        _index.Set(Message("a/b"));

        Assert.NotNull(_index.Remove("a"));

        var results = new List<BrokerMessage>();
        _index.Match("a/#", results);
        Assert.Equal("a/b", Assert.Single(results).Topic);
        Assert.Equal(2, _index.NodeCount);
    }

    [Theory]
    [InlineData("")]
    [InlineData("a/+")]
    [InlineData("a/#")]
    public void Set_NotATopicName_Throws(string topic)
    {
        Assert.Throws<ArgumentException>(() => _index.Set(Message(topic)));
        Assert.Equal(0, _index.Count);
        Assert.Equal(0, _index.NodeCount);
    }

    [Theory]
    [InlineData(11)]
    [InlineData(12)]
    [InlineData(13)]
    [InlineData(14)]
    public void Match_RandomSetAndRemove_AgreesWithBruteForce(int seed)
    {
        var random = new Random(seed);
        var model = new Dictionary<string, BrokerMessage>(StringComparer.Ordinal);
        var results = new List<BrokerMessage>();
        for (int step = 0; step < 400; step++)
        {
            string topic = RandomTopics.Topic(random);
            if (random.Next(3) < 2)
            {
                BrokerMessage message = Message(topic);
                Assert.Same(model.GetValueOrDefault(topic), _index.Set(message));
                model[topic] = message;
            }
            else
            {
                Assert.Same(model.GetValueOrDefault(topic), _index.Remove(topic));
                model.Remove(topic);
            }

            Assert.Equal(model.Count, _index.Count);
            if (step % 10 != 0)
            {
                continue;
            }

            for (int f = 0; f < 20; f++)
            {
                string filter = RandomTopics.Filter(random);
                results.Clear();
                _index.Match(filter, results);
                long[] expected = model.Values.Where(m => MqttTopic.Matches(filter, m.Topic)).Select(m => m.Id).Order().ToArray();
                Assert.Equal(expected, results.Select(m => m.Id).Order());
            }
        }

        foreach (string topic in model.Keys.ToList())
        {
            Assert.NotNull(_index.Remove(topic));
        }

        Assert.Equal(0, _index.NodeCount);
    }

    private BrokerMessage Message(string topic) =>
        new(++_nextId, topic, new byte[] { 1 }, QualityOfService.AtLeastOnce, retain: true, publisherClientId: "pub");
}
