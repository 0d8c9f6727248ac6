using MqttHealth.Mqtt.Protocol;

namespace MqttHealth.Mqtt.Client;

/// <summary>
/// The SUBACK: one reason code per topic filter, in the order of the request. A code below 0x80 is the granted
/// QoS; 0x80 or more is that filter's failure (not an exception: the other filters may have succeeded).
/// </summary>
public sealed class MqttClientSubscribeResult
{
    internal MqttClientSubscribeResult(IReadOnlyList<ReasonCode> reasonCodes, MqttProperties? properties)
    {
        ReasonCodes = reasonCodes;
        Properties = properties;
    }

    public IReadOnlyList<ReasonCode> ReasonCodes { get; }

    /// <summary>Reason String and User Properties of the SUBACK (5.0); null when there were none.</summary>
    public MqttProperties? Properties { get; }

    public string? ReasonString => Properties?.ReasonString;
}
