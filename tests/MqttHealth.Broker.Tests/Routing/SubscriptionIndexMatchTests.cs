using MqttHealth.Broker.Routing;
using MqttHealth.Mqtt.Topics;

namespace MqttHealth.Broker.Tests.Routing;

/// <summary>
/// Filter/topic cases of 5.0 §4.7, each checked twice: against the expected answer written in the table and
/// against <see cref="MqttTopic.Matches(string, string)"/>, the codec's direct implementation of the rules,
/// which serves as the oracle for the index.
/// </summary>
public class SubscriptionIndexMatchTests
{
    public static TheoryData<string, string, bool> Cases => new()
    {
        // Exact filters (the dictionary).
        { "a/b", "a/b", true },
        { "a/b", "a/c", false },
        { "a/b", "a/b/c", false },
        { "a", "a/", false },
        { "a//b", "a//b", true },
        { "/a", "/a", true },
        { "/a", "a", false },
        { "$SYS/broker/uptime", "$SYS/broker/uptime", true },

        // '#' matches the parent level and everything below (§4.7.1.2).
        { "a/#", "a", true },
        { "a/#", "a/", true },
        { "a/#", "a/b/c", true },
        { "a/#", "ab", false },
        { "a/b/#", "a", false },
        { "#", "a", true },
        { "#", "/", true },
        { "#", "a/b/c", true },
        { "/#", "/", true },
        { "/#", "/a/b", true },
        { "/#", "a", false },
        { "+/#", "a", true },
        { "+/+/#", "a", false },

        // '+' matches exactly one level, which may be empty (§4.7.1.3).
        { "a/+", "a/b", true },
        { "a/+", "a/", true },
        { "a/+", "a", false },
        { "a/+", "a/b/c", false },
        { "a/+/b", "a//b", true },
        { "+/+", "/", true },
        { "+/+", "a/b/c", false },
        { "/+", "/a", true },
        { "+", "/a", false },
        { "+", "a", true },
        { "sport/tennis/+", "sport/tennis", false },
        { "sport/+", "sport/", true },

        // [MQTT-4.7.2-1]: a filter starting with a wildcard does not match a topic starting with '$'.
        { "#", "$SYS/x", false },
        { "#", "$", false },
        { "+", "$SYS", false },
        { "+/x", "$SYS/x", false },
        { "+/#", "$SYS/x", false },
        { "$SYS/#", "$SYS/broker/uptime", true },
        { "$SYS/#", "$SYS", true },
        { "$SYS/+", "$SYS/x", true },
        { "$SYS/+/uptime", "$SYS/broker/uptime", true },
        { "a/+", "a/$x", true },
        { "a/#", "a/$x/y", true },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Match_SingleFilter_AgreesWithTableAndOracle(string filter, string topic, bool expected)
    {
        Assert.Equal(expected, MqttTopic.Matches(filter, topic));
        var index = new SubscriptionIndex<TestSubscriber>();
        var subscriber = new TestSubscriber("s");
        index.Subscribe(Entries.Of(subscriber, filter));
        index.Subscribe(Entries.Of(subscriber, "$share/g/" + filter));

        var direct = new List<SubscriptionEntry<TestSubscriber>>();
        var shared = new List<SharedSubscriptionGroup<TestSubscriber>>();
        index.Match(topic, direct, shared);

        Assert.Equal(expected ? 1 : 0, direct.Count);
        Assert.Equal(expected ? 1 : 0, shared.Count);
        if (expected)
        {
            Assert.Equal(filter, direct[0].Filter);
            Assert.Equal(filter, shared[0].Filter);
        }
    }

    [Fact]
    public void Match_AllTableFiltersInOneIndex_ReturnsExactlyTheOracleMatches()
    {
        var index = new SubscriptionIndex<TestSubscriber>();
        var subscriber = new TestSubscriber("all");
        var filters = new HashSet<string>(StringComparer.Ordinal);
        var topics = new HashSet<string>(StringComparer.Ordinal);
        foreach (object[] row in Cases)
        {
            if (filters.Add((string)row[0]))
            {
                index.Subscribe(Entries.Of(subscriber, (string)row[0]));
            }

            topics.Add((string)row[1]);
        }

        var direct = new List<SubscriptionEntry<TestSubscriber>>();
        var shared = new List<SharedSubscriptionGroup<TestSubscriber>>();
        foreach (string topic in topics)
        {
            direct.Clear();
            index.Match(topic, direct, shared);
            string[] expected = filters.Where(f => MqttTopic.Matches(f, topic)).Order(StringComparer.Ordinal).ToArray();
            string[] actual = direct.Select(e => e.Filter).Order(StringComparer.Ordinal).ToArray();
            Assert.Equal(expected, actual);
        }

        Assert.Empty(shared);
    }

    [Fact]
    public void Match_SeveralSubscribers_ReturnsOneEntryPerMatchingSubscription()
    {
        var index = new SubscriptionIndex<TestSubscriber>();
        var nurse = new TestSubscriber("nurse");
        var dashboard = new TestSubscriber("dashboard");
        var archiver = new TestSubscriber("archiver");
        index.Subscribe(Entries.Of(nurse, "mh/v1/fac1/icu/dev7/vitals"));
        index.Subscribe(Entries.Of(dashboard, "mh/v1/fac1/+/+/vitals"));
        index.Subscribe(Entries.Of(archiver, "mh/#"));
        index.Subscribe(Entries.Of(archiver, "other/#"));

        var direct = new List<SubscriptionEntry<TestSubscriber>>();
        var shared = new List<SharedSubscriptionGroup<TestSubscriber>>();
        index.Match("mh/v1/fac1/icu/dev7/vitals", direct, shared);

        Assert.Equal(["archiver", "dashboard", "nurse"], direct.Select(e => e.Subscriber.Name).Order(StringComparer.Ordinal));
        Assert.Empty(shared);
    }

    [Fact]
    public void Match_OverlappingFiltersOfOneSubscriber_ReturnsBothEntries()
    {
        // 5.0 §4.7.2 lets the server deliver once per matching subscription (or once overall); the index
        // reports each so that the engine can apply either, and the Subscription Identifiers of each.
        var index = new SubscriptionIndex<TestSubscriber>();
        var subscriber = new TestSubscriber("s");
        index.Subscribe(Entries.Of(subscriber, "a/#", subscriptionIdentifier: 1));
        index.Subscribe(Entries.Of(subscriber, "a/+", subscriptionIdentifier: 2));
        index.Subscribe(Entries.Of(subscriber, "a/b", subscriptionIdentifier: 3));

        var direct = new List<SubscriptionEntry<TestSubscriber>>();
        var shared = new List<SharedSubscriptionGroup<TestSubscriber>>();
        index.Match("a/b", direct, shared);

        Assert.Equal([1u, 2u, 3u], direct.Select(e => e.SubscriptionIdentifier!.Value).Order());
        Assert.All(direct, e => Assert.Same(subscriber, e.Subscriber));
    }

    [Fact]
    public void Match_ResultListsNotEmpty_AppendsWithoutClearing()
    {
        var index = new SubscriptionIndex<TestSubscriber>();
        var subscriber = new TestSubscriber("s");
        SubscriptionEntry<TestSubscriber> earlier = Entries.Of(subscriber, "x");
        index.Subscribe(Entries.Of(subscriber, "a"));
        var direct = new List<SubscriptionEntry<TestSubscriber>> { earlier };
        var shared = new List<SharedSubscriptionGroup<TestSubscriber>>();

        index.Match("a", direct, shared);

        Assert.Equal(2, direct.Count);
        Assert.Same(earlier, direct[0]);
    }

    [Fact]
    public void Match_DeepTopicAgainstDeepWildcardFilter_MatchesWithoutRecursion()
    {
        // 20,000 empty levels against as many '+' levels: an explicit work stack, not the thread's stack.
        const int Levels = 20_000;
        string topic = new('/', Levels - 1);
        string filter = string.Join('/', Enumerable.Repeat("+", Levels));
        var index = new SubscriptionIndex<TestSubscriber>();
        index.Subscribe(Entries.Of(new TestSubscriber("deep"), filter));

        var direct = new List<SubscriptionEntry<TestSubscriber>>();
        index.Match(topic, direct, []);

        Assert.Single(direct);
    }
}
