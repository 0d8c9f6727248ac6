using MqttHealth.Broker.Routing;
using MqttHealth.Mqtt.Protocol;
using MqttHealth.Mqtt.Topics;

namespace MqttHealth.Broker.Tests.Routing;

/// <summary>
/// Differential test: random subscribe/replace/unsubscribe sequences applied both to the index and to a
/// plain list (the model), then Match compared with brute force over <see cref="MqttTopic.Matches(string, string)"/>.
/// Seeded, so a failure names the seed that reproduces it; bounded in size.
/// </summary>
public class SubscriptionIndexRandomizedTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(6)]
    [InlineData(7)]
    [InlineData(8)]
    public void Match_RandomOperations_AgreesWithBruteForce(int seed)
    {
        var random = new Random(seed);
        var index = new SubscriptionIndex<TestSubscriber>();
        TestSubscriber[] subscribers = Enumerable.Range(0, 4).Select(i => new TestSubscriber("s" + i)).ToArray();
        string[] shareNames = ["g1", "g2"];

        // The model: every subscription in subscription order (a replacement keeps its slot), which is
        // also the order shared members must have.
        var model = new List<SubscriptionEntry<TestSubscriber>>();
        var direct = new List<SubscriptionEntry<TestSubscriber>>();
        var shared = new List<SharedSubscriptionGroup<TestSubscriber>>();

        for (int step = 0; step < 600; step++)
        {
            TestSubscriber subscriber = subscribers[random.Next(subscribers.Length)];
            int op = random.Next(10);
            if (op < 6)
            {
                string filter = RandomTopics.Filter(random);
                string topicFilter = random.Next(3) == 0 ? $"$share/{shareNames[random.Next(2)]}/{filter}" : filter;
                SubscriptionEntry<TestSubscriber> entry = Entries.Of(subscriber, topicFilter, (QualityOfService)random.Next(3));
                int existing = model.FindIndex(e => e.Subscriber == subscriber && e.TopicFilter == topicFilter);
                Assert.Equal(existing >= 0, index.Subscribe(entry));
                if (existing >= 0)
                {
                    model[existing] = entry;
                }
                else
                {
                    model.Add(entry);
                }
            }
            else if (op < 9 && model.Count > 0)
            {
                SubscriptionEntry<TestSubscriber> victim = model[random.Next(model.Count)];
                Assert.True(index.Unsubscribe(victim.Subscriber, victim.TopicFilter));
                model.Remove(victim);
            }
            else
            {
                Assert.False(index.Unsubscribe(subscriber, "never/" + step));
            }

            Assert.Equal(model.Count, index.Count);
            if (step % 10 != 0)
            {
                continue;
            }

            for (int t = 0; t < 20; t++)
            {
                string topic = RandomTopics.Topic(random);
                direct.Clear();
                shared.Clear();
                index.Match(topic, direct, shared);

                var expectedDirect = model.Where(e => e.ShareName is null && MqttTopic.Matches(e.Filter, topic)).ToHashSet(ReferenceEqualityComparer.Instance);
                Assert.Equal(expectedDirect.Count, direct.Count);
                Assert.All(direct, e => Assert.True(expectedDirect.Contains(e), $"seed {seed}: unexpected {e.TopicFilter} for {topic}"));

                var expectedGroups = model
                    .Where(e => e.ShareName is not null && MqttTopic.Matches(e.Filter, topic))
                    .GroupBy(e => (e.ShareName, e.Filter))
                    .ToDictionary(g => g.Key, g => g.ToList());
                Assert.Equal(expectedGroups.Count, shared.Count);
                foreach (SharedSubscriptionGroup<TestSubscriber> group in shared)
                {
                    Assert.True(expectedGroups.TryGetValue((group.ShareName, group.Filter), out List<SubscriptionEntry<TestSubscriber>>? members), $"seed {seed}: unexpected group {group.ShareName}/{group.Filter} for {topic}");
                    Assert.Equal<SubscriptionEntry<TestSubscriber>>(members, group.Members, ReferenceEqualityComparer.Instance);
                }
            }
        }

        foreach (SubscriptionEntry<TestSubscriber> entry in model.ToList())
        {
            Assert.True(index.Unsubscribe(entry.Subscriber, entry.TopicFilter));
        }

        Assert.Equal(0, index.Count);
        Assert.Equal(0, index.NodeCount);
    }
}
