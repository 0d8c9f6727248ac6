using MqttHealth.Broker.Routing;
using MqttHealth.Mqtt.Protocol;

namespace MqttHealth.Broker.Tests.Routing;

/// <summary>Shared subscriptions (5.0 §4.8.2) in <see cref="SubscriptionIndex{TSubscriber}"/>: one group per (ShareName, Filter).</summary>
public class SharedSubscriptionIndexTests
{
    private readonly SubscriptionIndex<TestSubscriber> _index = new();
    private readonly List<SubscriptionEntry<TestSubscriber>> _direct = [];
    private readonly List<SharedSubscriptionGroup<TestSubscriber>> _shared = [];

    [Theory]
    [InlineData("mh/v1/fac1/alerts")]
    [InlineData("mh/v1/+/alerts")]
    [InlineData("mh/#")]
    public void Match_GroupWithSeveralMembers_AppendsGroupOnceWithMembersInOrder(string filter)
    {
        TestSubscriber[] workers = [new("w1"), new("w2"), new("w3")];
        foreach (TestSubscriber w in workers)
        {
            _index.Subscribe(Entries.Of(w, "$share/workers/" + filter));
        }

        _index.Match("mh/v1/fac1/alerts", _direct, _shared);

        Assert.Empty(_direct);
        SharedSubscriptionGroup<TestSubscriber> group = Assert.Single(_shared);
        Assert.Equal("workers", group.ShareName);
        Assert.Equal(filter, group.Filter);
        Assert.Equal(workers, group.Members.Select(m => m.Subscriber));
        Assert.Equal(3, _index.Count);
    }

    [Fact]
    public void Match_SameFilterDifferentShareNamesAndPlain_AppendsEachGroupAndTheDirectOne()
    {
        var a = new TestSubscriber("a");
        var b = new TestSubscriber("b");
        _index.Subscribe(Entries.Of(a, "$share/g1/t/+"));
        _index.Subscribe(Entries.Of(b, "$share/g2/t/+"));
        _index.Subscribe(Entries.Of(b, "$share/g1/t/+"));
        _index.Subscribe(Entries.Of(a, "t/+"));

        _index.Match("t/x", _direct, _shared);

        Assert.Same(a, Assert.Single(_direct).Subscriber);
        Assert.Equal(["g1", "g2"], _shared.Select(g => g.ShareName).Order(StringComparer.Ordinal));
        Assert.Equal([a, b], _shared.Single(g => g.ShareName == "g1").Members.Select(m => m.Subscriber));
    }

    [Fact]
    public void Match_SameShareNameDifferentFilters_AreDifferentGroups()
    {
        var a = new TestSubscriber("a");
        _index.Subscribe(Entries.Of(a, "$share/g/t/+"));
        _index.Subscribe(Entries.Of(a, "$share/g/t/#"));

        _index.Match("t/x", _direct, _shared);

        Assert.Equal(["t/#", "t/+"], _shared.Select(g => g.Filter).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Match_SharedFilterStartingWithWildcard_DoesNotMatchDollarTopic()
    {
        // [MQTT-4.7.2-1] applies to the filter after the $share/{ShareName}/ prefix.
        _index.Subscribe(Entries.Of(new TestSubscriber("a"), "$share/g/#"));
        _index.Subscribe(Entries.Of(new TestSubscriber("a"), "$share/g/$SYS/#"));

        _index.Match("$SYS/broker/clients", _direct, _shared);

        Assert.Equal("$SYS/#", Assert.Single(_shared).Filter);
    }

    [Fact]
    public void Subscribe_ReplaceMember_KeepsItsPositionInMembers()
    {
        TestSubscriber[] workers = [new("w1"), new("w2"), new("w3")];
        foreach (TestSubscriber w in workers)
        {
            _index.Subscribe(Entries.Of(w, "$share/g/jobs/+", QualityOfService.AtMostOnce));
        }

        SubscriptionEntry<TestSubscriber> replacement = Entries.Of(workers[1], "$share/g/jobs/+", QualityOfService.ExactlyOnce);
        Assert.True(_index.Subscribe(replacement));

        _index.Match("jobs/1", _direct, _shared);
        SharedSubscriptionGroup<TestSubscriber> group = Assert.Single(_shared);
        Assert.Equal(workers, group.Members.Select(m => m.Subscriber));
        Assert.Same(replacement, group.Members[1]);
        Assert.Equal(3, _index.Count);
    }

    [Fact]
    public void Unsubscribe_Member_KeepsOrderOfOthersAndCursorOnSameNextMember()
    {
        TestSubscriber[] workers = [new("w1"), new("w2"), new("w3"), new("w4")];
        foreach (TestSubscriber w in workers)
        {
            _index.Subscribe(Entries.Of(w, "$share/g/jobs"));
        }

        _index.Match("jobs", _direct, _shared);
        SharedSubscriptionGroup<TestSubscriber> group = Assert.Single(_shared);
        group.NextMember = 2; // w3 is next

        Assert.True(_index.Unsubscribe(workers[0], "$share/g/jobs"));
        Assert.Equal([workers[1], workers[2], workers[3]], group.Members.Select(m => m.Subscriber));
        Assert.Same(workers[2], group.Members[group.NextMember].Subscriber);

        group.NextMember = 2; // w4 is next, and leaves: the cursor wraps
        Assert.True(_index.Unsubscribe(workers[3], "$share/g/jobs"));
        Assert.Equal(0, group.NextMember);
    }

    [Fact]
    public void Unsubscribe_LastMember_RemovesGroupAndPrunes()
    {
        var a = new TestSubscriber("a");
        var b = new TestSubscriber("b");
        _index.Subscribe(Entries.Of(a, "$share/g/t/+/x"));
        _index.Subscribe(Entries.Of(b, "$share/g/t/+/x"));
        _index.Subscribe(Entries.Of(a, "$share/g/exact"));

        Assert.True(_index.Unsubscribe(a, "$share/g/t/+/x"));
        _index.Match("t/1/x", _direct, _shared);
        Assert.Equal([b], Assert.Single(_shared).Members.Select(m => m.Subscriber));

        Assert.True(_index.Unsubscribe(b, "$share/g/t/+/x"));
        Assert.True(_index.Unsubscribe(a, "$share/g/exact"));
        _shared.Clear();
        _index.Match("t/1/x", _direct, _shared);
        _index.Match("exact", _direct, _shared);
        Assert.Empty(_shared);
        Assert.Equal(0, _index.Count);
        Assert.Equal(0, _index.NodeCount);
    }

    [Fact]
    public void Subscribe_SharedAndPlainSameFilterSameSubscriber_AreTwoSubscriptions()
    {
        var a = new TestSubscriber("a");
        Assert.False(_index.Subscribe(Entries.Of(a, "t")));
        Assert.False(_index.Subscribe(Entries.Of(a, "$share/g/t")));

        Assert.True(_index.Unsubscribe(a, "t"));
        _index.Match("t", _direct, _shared);
        Assert.Empty(_direct);
        Assert.Single(_shared);
    }
}
