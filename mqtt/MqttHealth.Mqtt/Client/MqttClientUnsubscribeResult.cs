using MqttHealth.Mqtt.Protocol;

namespace MqttHealth.Mqtt.Client;

/// <summary>
/// The UNSUBACK. On 5.0 one reason code per topic filter in request order (0x00 Success, 0x11 No subscription
/// existed, or a failure); a 3.1.1 UNSUBACK carries no codes, so <see cref="ReasonCodes"/> is empty there.
/// </summary>
public sealed class MqttClientUnsubscribeResult
{
    internal MqttClientUnsubscribeResult(IReadOnlyList<ReasonCode> reasonCodes, MqttProperties? properties)
    {
        ReasonCodes = reasonCodes;
        Properties = properties;
    }

    public IReadOnlyList<ReasonCode> ReasonCodes { get; }

    /// <summary>Reason String and User Properties of the UNSUBACK (5.0); null when there were none.</summary>
    public MqttProperties? Properties { get; }

    public string? ReasonString => Properties?.ReasonString;
}
