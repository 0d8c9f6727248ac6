namespace MqttHealth.Payloads;

/// <summary>Version constants of the clinical payload schema; the schema itself arrives with the clinical-payloads issue.</summary>
public static class PayloadSchema
{
    /// <summary>The topic namespace version the envelope and schemas belong to (topics are <c>mh/v1/...</c>).</summary>
    public const string TopicVersion = "v1";
}
