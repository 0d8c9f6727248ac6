namespace MqttHealth.Mqtt.Protocol;

/// <summary>Payload Format Indicator property values (5.0 §3.3.2.3.2).</summary>
public enum PayloadFormat : byte
{
    /// <summary>Unspecified bytes.</summary>
    Unspecified = 0,

    /// <summary>UTF-8 encoded character data.</summary>
    Utf8 = 1,
}
