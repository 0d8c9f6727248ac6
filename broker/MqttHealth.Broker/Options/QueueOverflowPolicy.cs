namespace MqttHealth.Broker.Options;

/// <summary>What a full offline queue does with one more message. Either way it is logged and counted.</summary>
public enum QueueOverflowPolicy
{
    /// <summary>Keep what is queued; the new message is not queued for that session.</summary>
    DropNewest = 0,

    /// <summary>Drop the oldest queued message to make room (freshest vitals win).</summary>
    DropOldest = 1,
}
