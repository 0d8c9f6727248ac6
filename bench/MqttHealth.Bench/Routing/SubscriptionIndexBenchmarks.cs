extern alias Broker;

using BenchmarkDotNet.Attributes;
using Broker::MqttHealth.Broker.Routing;
using MqttHealth.Mqtt.Packets;
using MqttHealth.Mqtt.Protocol;
using MqttHealth.Mqtt.Topics;

namespace MqttHealth.Bench.Routing;

/// <summary>
/// Finding the subscriptions of one PUBLISH, as the broker does per message, with N unrelated idle
/// subscribers beside the few that match. Each idle subscriber has its own device topic and every fourth
/// one a per-device wildcard as well, all under the same facility, so the trie levels the published topic
/// walks through (mh/v1/fac1/unit7) are shared with them. The cost should not grow with N, and nothing should
/// be allocated: the result lists are reused, as the engine reuses them.
/// </summary>
[MemoryDiagnoser]
public class SubscriptionIndexBenchmarks
{
    private const string MatchedTopic = "mh/v1/fac1/unit7/target/vitals";
    private const string OtherDeviceTopic = "mh/v1/fac1/unit7/nobody/vitals-raw";

    private readonly List<SubscriptionEntry<Subscriber>> _direct = new(16);
    private readonly List<SharedSubscriptionGroup<Subscriber>> _shared = new(16);
    private SubscriptionIndex<Subscriber> _index = null!;

    /// <summary>Unrelated idle subscribers besides the five subscriptions that match.</summary>
    [Params(0, 1_000, 10_000)]
    public int Subscribers { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _index = new SubscriptionIndex<Subscriber>();

        // What matches MatchedTopic: the device's viewer (exact), a per-device wildcard, a unit dashboard,
        // and a shared archive group of two members (reported once).
        var viewer = new Subscriber();
        Subscribe(viewer, MatchedTopic);
        Subscribe(viewer, "mh/v1/fac1/unit7/target/+");
        Subscribe(new Subscriber(), "mh/v1/fac1/unit7/+/vitals");
        Subscribe(new Subscriber(), "$share/archive/mh/v1/#");
        Subscribe(new Subscriber(), "$share/archive/mh/v1/#");

        for (int i = 0; i < Subscribers; i++)
        {
            var idle = new Subscriber();
            Subscribe(idle, $"mh/v1/fac1/unit{i % 50}/dev{i}/vitals");
            if (i % 4 == 0)
            {
                Subscribe(idle, $"mh/v1/fac1/unit{i % 50}/dev{i}/+");
            }
        }
    }

    [Benchmark]
    public int MatchPublishedTopic()
    {
        _direct.Clear();
        _shared.Clear();
        _index.Match(MatchedTopic, _direct, _shared);
        return _direct.Count + _shared.Count;
    }

    [Benchmark]
    public int MatchOtherDeviceTopic()
    {
        // Only the shared archive group matches; the walk still visits unit7 and its '+' child.
        _direct.Clear();
        _shared.Clear();
        _index.Match(OtherDeviceTopic, _direct, _shared);
        return _direct.Count + _shared.Count;
    }

    private void Subscribe(Subscriber subscriber, string topicFilter)
    {
        var options = new MqttSubscription(topicFilter, QualityOfService.AtLeastOnce);
        bool isShared = MqttTopic.TryParseShared(topicFilter, out string shareName, out string filter);
        _index.Subscribe(new SubscriptionEntry<Subscriber>(subscriber, topicFilter, isShared ? shareName : null, isShared ? filter : topicFilter, options, null));
    }

    /// <summary>Stands in for the engine's session.</summary>
    private sealed class Subscriber;
}
