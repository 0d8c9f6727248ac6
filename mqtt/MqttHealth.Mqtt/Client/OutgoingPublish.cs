using MqttHealth.Mqtt.Packets;
using MqttHealth.Mqtt.Protocol;

namespace MqttHealth.Mqtt.Client;

/// <summary>
/// An outgoing QoS 1 or 2 message from its first send until PUBACK or PUBCOMP: session state that survives a
/// reconnect when the session does. It is its own completion source, which saves one allocation per message.
/// </summary>
internal sealed class OutgoingPublish : TaskCompletionSource<MqttClientPublishResult>
{
    public OutgoingPublish(PublishPacket packet, int packetSize, long sequence)
        : base(TaskCreationOptions.RunContinuationsAsynchronously)
    {
        Packet = packet;
        PacketSize = packetSize;
        Sequence = sequence;
    }

    /// <summary>The message, with its full topic; a topic alias is applied only while encoding.</summary>
    public PublishPacket Packet { get; }

    /// <summary>Size on the wire without a topic alias.</summary>
    public int PacketSize { get; }

    /// <summary>Order of the first send: resends keep it [MQTT-4.6.0-1].</summary>
    public long Sequence { get; }

    /// <summary>Handed to a connection at least once: a resend carries DUP = 1 [MQTT-3.3.1-1].</summary>
    public bool Sent { get; set; }

    /// <summary>QoS 2: PUBREC received and PUBREL sent; what is resent now is the PUBREL [MQTT-4.4.0-1].</summary>
    public bool Released { get; set; }

    /// <summary>QoS 2: the PUBREC's reason code and properties, reported when PUBCOMP completes the flow.</summary>
    public ReasonCode PubRecReasonCode { get; set; }

    public MqttProperties? PubRecProperties { get; set; }
}
