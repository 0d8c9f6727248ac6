namespace MqttHealth.Broker.Security.Authorization;

/// <summary>What a client wants to do with a topic.</summary>
public enum TopicAction
{
    /// <summary>PUBLISH to a Topic Name (also a Will Topic at CONNECT).</summary>
    Publish,

    /// <summary>SUBSCRIBE with a Topic Filter (a Shared Subscription is checked on its inner filter).</summary>
    Subscribe,

    /// <summary>PUBLISH with the RETAIN flag set: needs both a publish and a retain grant.</summary>
    Retain,
}
