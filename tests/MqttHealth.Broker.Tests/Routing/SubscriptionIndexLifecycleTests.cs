using MqttHealth.Broker.Routing;
using MqttHealth.Mqtt.Packets;
using MqttHealth.Mqtt.Protocol;

namespace MqttHealth.Broker.Tests.Routing;

/// <summary>Subscribe, replace, unsubscribe and pruning of <see cref="SubscriptionIndex{TSubscriber}"/>.</summary>
public class SubscriptionIndexLifecycleTests
{
    private readonly SubscriptionIndex<TestSubscriber> _index = new();
    private readonly List<SubscriptionEntry<TestSubscriber>> _direct = [];
    private readonly List<SharedSubscriptionGroup<TestSubscriber>> _shared = [];

    [Theory]
    [InlineData("a/b")]
    [InlineData("a/+")]
    [InlineData("a/#")]
    public void Subscribe_SameSubscriberAndFilter_ReplacesAndReturnsTrue(string filter)
    {
        var subscriber = new TestSubscriber("s");
        SubscriptionEntry<TestSubscriber> first = Entries.Of(subscriber, filter, QualityOfService.AtMostOnce);
        SubscriptionEntry<TestSubscriber> second = Entries.Of(subscriber, filter, QualityOfService.ExactlyOnce);

        Assert.False(_index.Subscribe(first));
        Assert.True(_index.Subscribe(second));

        Assert.Equal(1, _index.Count);
        _index.Match("a/b", _direct, _shared);
        Assert.Same(second, Assert.Single(_direct));
        Assert.True(_index.TryGetSubscription(subscriber, filter, out SubscriptionEntry<TestSubscriber>? held));
        Assert.Same(second, held);
    }

    [Fact]
    public void Subscribe_ReplaceAmongOthersOnSameFilter_KeepsItsPlace()
    {
        TestSubscriber[] subscribers = [new("a"), new("b"), new("c")];
        foreach (TestSubscriber s in subscribers)
        {
            _index.Subscribe(Entries.Of(s, "t/+"));
        }

        _index.Match("t/x", _direct, _shared);
        List<TestSubscriber> before = _direct.Select(e => e.Subscriber).ToList();
        SubscriptionEntry<TestSubscriber> replacement = Entries.Of(subscribers[1], "t/+", QualityOfService.ExactlyOnce);

        Assert.True(_index.Subscribe(replacement));

        _direct.Clear();
        _index.Match("t/x", _direct, _shared);
        Assert.Equal(before, _direct.Select(e => e.Subscriber));
        Assert.Same(replacement, _direct[before.IndexOf(subscribers[1])]);
        Assert.Equal(3, _index.Count);
    }

    [Fact]
    public void Subscribe_DifferentSubscribersSameFilter_AddsBoth()
    {
        Assert.False(_index.Subscribe(Entries.Of(new TestSubscriber("a"), "x/y")));
        Assert.False(_index.Subscribe(Entries.Of(new TestSubscriber("b"), "x/y")));

        _index.Match("x/y", _direct, _shared);
        Assert.Equal(2, _direct.Count);
        Assert.Equal(2, _index.Count);
        Assert.Equal(1, _index.NodeCount);
    }

    [Fact]
    public void Unsubscribe_Unknown_ReturnsFalse()
    {
        var subscriber = new TestSubscriber("s");
        _index.Subscribe(Entries.Of(subscriber, "a/b"));

        Assert.False(_index.Unsubscribe(subscriber, "a/c"));
        Assert.False(_index.Unsubscribe(new TestSubscriber("other"), "a/b"));
        Assert.False(_index.Unsubscribe(subscriber, "$share/g/a/b"));
        Assert.Equal(1, _index.Count);
    }

    [Fact]
    public void Unsubscribe_OneOfMany_RemovesOnlyThatOne()
    {
        var subscribers = Enumerable.Range(0, 5).Select(i => new TestSubscriber("s" + i)).ToArray();
        foreach (TestSubscriber s in subscribers)
        {
            _index.Subscribe(Entries.Of(s, "a/+/c"));
            _index.Subscribe(Entries.Of(s, "a/b/c"));
        }

        // Removing from the middle moves the last entry into the gap; every other one must stay findable.
        Assert.True(_index.Unsubscribe(subscribers[1], "a/+/c"));
        Assert.True(_index.Unsubscribe(subscribers[0], "a/b/c"));
        Assert.True(_index.Unsubscribe(subscribers[3], "a/+/c"));

        _index.Match("a/b/c", _direct, _shared);
        Assert.Equal(7, _direct.Count);
        Assert.Equal(
            ["a/+/c s0", "a/+/c s2", "a/+/c s4", "a/b/c s1", "a/b/c s2", "a/b/c s3", "a/b/c s4"],
            _direct.Select(e => e.Filter + " " + e.Subscriber.Name).Order(StringComparer.Ordinal));
        foreach (TestSubscriber s in subscribers)
        {
            Assert.Equal(s != subscribers[1] && s != subscribers[3], _index.Unsubscribe(s, "a/+/c"));
            Assert.Equal(s != subscribers[0], _index.Unsubscribe(s, "a/b/c"));
        }

        Assert.Equal(0, _index.Count);
        Assert.Equal(0, _index.NodeCount);
    }

    [Fact]
    public void Unsubscribe_LastOnBranch_PrunesOnlyEmptyNodes()
    {
        var s = new TestSubscriber("s");
        _index.Subscribe(Entries.Of(s, "a/b/+/d"));
        _index.Subscribe(Entries.Of(s, "a/#"));
        Assert.Equal(5, _index.NodeCount); // a, b, +, d, #

        Assert.True(_index.Unsubscribe(s, "a/b/+/d"));
        Assert.Equal(2, _index.NodeCount); // a, # remain

        _index.Match("a/b/x/d", _direct, _shared);
        Assert.Equal("a/#", Assert.Single(_direct).Filter);

        Assert.True(_index.Unsubscribe(s, "a/#"));
        Assert.Equal(0, _index.NodeCount);
    }

    [Fact]
    public void SubscribeUnsubscribe_Churn_DoesNotGrowNodes()
    {
        var s = new TestSubscriber("s");
        _index.Subscribe(Entries.Of(s, "keep/+"));
        int baseline = _index.NodeCount;
        for (int i = 0; i < 1000; i++)
        {
            string filter = $"mh/v1/fac1/unit{i % 7}/dev{i}/" + (i % 3 == 0 ? "#" : i % 3 == 1 ? "+" : "vitals");
            _index.Subscribe(Entries.Of(s, filter));
            _index.Subscribe(Entries.Of(s, "$share/g" + (i % 2) + "/" + filter));
            Assert.True(_index.Unsubscribe(s, filter));
            Assert.True(_index.Unsubscribe(s, "$share/g" + (i % 2) + "/" + filter));
        }

        Assert.Equal(baseline, _index.NodeCount);
        Assert.Equal(1, _index.Count);
    }

    [Theory]
    [InlineData("")]
    [InlineData("a/#/b")]
    [InlineData("a#")]
    [InlineData("a/b+")]
    [InlineData("+a")]
    public void Subscribe_MalformedFilter_Throws(string filter)
    {
        var entry = new SubscriptionEntry<TestSubscriber>(
            new TestSubscriber("s"), filter, null, filter, new MqttSubscription(filter, QualityOfService.AtMostOnce), null);

        Assert.Throws<ArgumentException>(() => _index.Subscribe(entry));
        Assert.Equal(0, _index.Count);
        Assert.Equal(0, _index.NodeCount);
    }

    [Theory]
    [InlineData("a/b", null, "a/c")]
    [InlineData("$share/g/a/b", "g", "a/c")]
    [InlineData("$share/g/a/b", "h", "a/b")]
    [InlineData("$share/g/a/b", "", "g/a/b")]
    [InlineData("$share//a/b", "", "a/b")]
    [InlineData("a/b", "g", "a/b")]
    public void Subscribe_InconsistentEntry_Throws(string topicFilter, string? shareName, string filter)
    {
        var entry = new SubscriptionEntry<TestSubscriber>(
            new TestSubscriber("s"), topicFilter, shareName, filter, new MqttSubscription(topicFilter, QualityOfService.AtMostOnce), null);

        Assert.Throws<ArgumentException>(() => _index.Subscribe(entry));
        Assert.Equal(0, _index.Count);
    }
}
