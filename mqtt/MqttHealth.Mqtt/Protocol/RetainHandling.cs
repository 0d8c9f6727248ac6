namespace MqttHealth.Mqtt.Protocol;

/// <summary>Retain Handling subscription option (5.0 §3.8.3.1).</summary>
public enum RetainHandling : byte
{
    /// <summary>Send retained messages at the time of the subscribe.</summary>
    SendAtSubscribe = 0,

    /// <summary>Send retained messages only if the subscription does not currently exist.</summary>
    SendAtSubscribeIfNew = 1,

    /// <summary>Do not send retained messages at the time of the subscribe.</summary>
    DoNotSend = 2,
}
