namespace MqttHealth.Broker.Observability;

/// <summary>One <c>$SYS/broker/...</c> message: the topic and its ASCII payload.</summary>
/// <param name="Topic">The topic, e.g. <c>$SYS/broker/clients/connected</c>.</param>
/// <param name="Payload">ASCII text, e.g. <c>12</c>.</param>
public readonly record struct SysTopicMessage(string Topic, ReadOnlyMemory<byte> Payload);
