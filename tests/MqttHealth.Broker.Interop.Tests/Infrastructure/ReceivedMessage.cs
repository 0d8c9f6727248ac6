namespace MqttHealth.Broker.Interop.Tests.Infrastructure;

/// <summary>One application message as a third-party subscriber reported it (payload as UTF-8 text).</summary>
public sealed record ReceivedMessage(string Topic, string Payload, int QoS, bool Retain);
