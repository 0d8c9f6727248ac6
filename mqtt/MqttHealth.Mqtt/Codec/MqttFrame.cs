using System.Buffers;
using MqttHealth.Mqtt.Protocol;

namespace MqttHealth.Mqtt.Codec;

/// <summary>
/// One complete MQTT Control Packet cut out of the receive buffer by <see cref="MqttFrameReader"/>: the
/// first byte of the fixed header and the body (variable header and payload). The body points into the
/// caller's buffer and is valid only until the caller advances its pipe past it.
/// </summary>
public readonly struct MqttFrame
{
    public MqttFrame(byte fixedHeader, ReadOnlySequence<byte> body, int packetSize)
    {
        FixedHeader = fixedHeader;
        Body = body;
        PacketSize = packetSize;
    }

    /// <summary>Byte 1 of the fixed header: packet type (high nibble) and flags (low nibble).</summary>
    public byte FixedHeader { get; }

    /// <summary>Variable header and payload: exactly Remaining Length bytes.</summary>
    public ReadOnlySequence<byte> Body { get; }

    /// <summary>The whole packet's size on the wire, fixed header included (what Maximum Packet Size limits).</summary>
    public int PacketSize { get; }

    public MqttPacketType Type => (MqttPacketType)(FixedHeader >> 4);

    public int Flags => FixedHeader & 0x0F;
}
