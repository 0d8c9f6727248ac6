namespace MqttHealth.Mqtt.Protocol;

/// <summary>A User Property: a UTF-8 string pair; names may repeat and order is preserved (5.0 §3.1.2.11.8).</summary>
public readonly record struct MqttUserProperty(string Name, string Value);
