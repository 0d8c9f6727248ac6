using MqttHealth.Broker.Routing;

namespace MqttHealth.Broker.Tests.Routing;

/// <summary>
/// <see cref="SubscriptionIndex{TSubscriber}.Match"/> runs for every PUBLISH and must allocate nothing once
/// warmed up and given result lists with room. Counted with the runtime's exact per-thread allocation
/// counter, so the test asserts bytes, not time.
/// </summary>
public class RoutingAllocationTests
{
    private static readonly string[] Topics =
    [
        "mh/v1/fac1/unit3/dev3/vitals", // exact + wildcard + shared
        "mh/v1/fac1/unit3/dev3/alarms", // wildcard only
        "mh/v1/fac9/nobody/listens", // '#' only
        "$SYS/broker/clients/connected", // $ rule at the root
        "a//b/", // empty levels
        "unrelated", // nothing at all
        "mh/" + string.Join('/', Enumerable.Range(0, 64).Select(i => "l" + i)), // deeper than the initial work stack
    ];

    [Fact]
    public void Match_WarmedIndex_AllocatesNothing()
    {
        var index = new SubscriptionIndex<TestSubscriber>();
        for (int i = 0; i < 200; i++)
        {
            var subscriber = new TestSubscriber("s" + i);
            index.Subscribe(Entries.Of(subscriber, $"mh/v1/fac1/unit{i % 10}/dev{i}/vitals"));
            index.Subscribe(Entries.Of(subscriber, $"mh/v1/fac1/unit{i % 10}/dev{i}/+"));
            index.Subscribe(Entries.Of(subscriber, $"$share/g{i % 3}/mh/v1/fac1/unit{i % 10}/+/vitals"));
        }

        var watcher = new TestSubscriber("watcher");
        index.Subscribe(Entries.Of(watcher, "mh/#"));
        index.Subscribe(Entries.Of(watcher, "#"));
        index.Subscribe(Entries.Of(watcher, "$SYS/#"));
        index.Subscribe(Entries.Of(watcher, "+/+/+/+"));
        index.Subscribe(Entries.Of(watcher, "a/+/b/+"));
        index.Subscribe(Entries.Of(watcher, "mh/" + string.Join('/', Enumerable.Repeat("+", 64))));

        var direct = new List<SubscriptionEntry<TestSubscriber>>(64);
        var shared = new List<SharedSubscriptionGroup<TestSubscriber>>(64);

        // Warm up: JIT, and the work stack grows once to the deepest topic.
        long found = MatchAll(index, direct, shared);

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1000; i++)
        {
            found += MatchAll(index, direct, shared);
        }

        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(found > 0);
        Assert.Equal(0, allocated);
    }

    private static long MatchAll(SubscriptionIndex<TestSubscriber> index, List<SubscriptionEntry<TestSubscriber>> direct, List<SharedSubscriptionGroup<TestSubscriber>> shared)
    {
        long found = 0;
        foreach (string topic in Topics)
        {
            direct.Clear();
            shared.Clear();
            index.Match(topic, direct, shared);
            found += direct.Count + shared.Count;
        }

        return found;
    }
}
