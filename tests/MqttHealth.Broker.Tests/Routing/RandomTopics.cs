using MqttHealth.Mqtt.Topics;

namespace MqttHealth.Broker.Tests.Routing;

/// <summary>
/// Random topics and filters over a tiny alphabet, so that random pairs match often and hit the corners:
/// empty levels, '$' at the start of a topic, '+' on empty levels, '#' at the parent level.
/// </summary>
public static class RandomTopics
{
    private static readonly string[] TopicLevels = ["a", "b", "", "$a", "$SYS"];
    private static readonly string[] FilterLevels = ["a", "b", "", "$a", "$SYS", "+", "+"];

    public static string Topic(Random random)
    {
        while (true)
        {
            int levels = random.Next(1, 5);
            string topic = string.Join('/', Enumerable.Range(0, levels).Select(_ => TopicLevels[random.Next(TopicLevels.Length)]));
            if (MqttTopic.IsValidTopicName(topic))
            {
                return topic;
            }
        }
    }

    public static string Filter(Random random)
    {
        while (true)
        {
            int levels = random.Next(1, 5);
            var parts = Enumerable.Range(0, levels).Select(_ => FilterLevels[random.Next(FilterLevels.Length)]).ToList();
            if (random.Next(4) == 0)
            {
                parts[^1] = "#";
            }

            string filter = string.Join('/', parts);
            if (MqttTopic.IsValidTopicFilter(filter))
            {
                return filter;
            }
        }
    }
}
