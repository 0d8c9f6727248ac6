using MqttHealth.Mqtt.Packets;
using MqttHealth.Mqtt.Protocol;

namespace MqttHealth.Mqtt.Client;

/// <summary>A SUBSCRIBE or UNSUBSCRIBE waiting for its SUBACK or UNSUBACK.</summary>
internal sealed class PendingRequest : TaskCompletionSource<MqttPacket>
{
    public PendingRequest(MqttPacketType expectedAck, int filterCount)
        : base(TaskCreationOptions.RunContinuationsAsynchronously)
    {
        ExpectedAck = expectedAck;
        FilterCount = filterCount;
    }

    public MqttPacketType ExpectedAck { get; }

    /// <summary>How many reason codes the acknowledgement must carry [MQTT-3.9.3-1], [MQTT-3.11.3-1].</summary>
    public int FilterCount { get; }
}
