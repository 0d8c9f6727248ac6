namespace MqttHealth.Mqtt.Protocol;

/// <summary>Delivery guarantee of an application message (5.0 §4.3).</summary>
public enum QualityOfService : byte
{
    AtMostOnce = 0,
    AtLeastOnce = 1,
    ExactlyOnce = 2,
}
