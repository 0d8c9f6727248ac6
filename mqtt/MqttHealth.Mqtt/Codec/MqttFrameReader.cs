using System.Buffers;
using MqttHealth.Mqtt.Protocol;

namespace MqttHealth.Mqtt.Codec;

/// <summary>
/// Framing, kept apart from decoding (as Kestrel's frame readers do): finds where one packet ends.
/// <para>
/// State is only what is in the buffer. <see cref="TryReadFrame"/> looks at the fixed header (one type/flags
/// byte, then a Remaining Length of one to four bytes, 7 bits each, low group first, high bit = "more").
/// While the header or body is incomplete it returns false and leaves <c>buffer</c> untouched, so the caller
/// can <c>AdvanceTo(buffer.Start, buffer.End)</c> and wait for more. As soon as the Remaining Length is known
/// it is checked against the maximum packet size, before any of the body is buffered (mosquitto's
/// packet__read does the same), so a peer cannot make us hold a huge packet.
/// </para>
/// </summary>
public static class MqttFrameReader
{
    /// <summary>The largest Remaining Length four bytes can encode (5.0 §1.5.5).</summary>
    public const int MaxRemainingLength = 268_435_455;

    /// <summary>
    /// Tries to cut one packet from the front of <paramref name="buffer"/>. On success the frame is returned and
    /// <paramref name="buffer"/> is advanced past it. On "incomplete" false is returned and nothing is consumed.
    /// </summary>
    /// <param name="buffer">Received bytes.</param>
    /// <param name="maximumPacketSize">The largest whole packet (fixed header included) this side accepts.</param>
    /// <param name="frame">The packet, when the method returns true.</param>
    /// <exception cref="MqttProtocolException">
    /// Remaining Length longer than four bytes or not minimally encoded (Malformed Packet), or a packet larger
    /// than <paramref name="maximumPacketSize"/> (Packet Too Large).
    /// </exception>
    public static bool TryReadFrame(ref ReadOnlySequence<byte> buffer, int maximumPacketSize, out MqttFrame frame)
    {
        frame = default;
        if (buffer.Length < 2)
        {
            return false;
        }

        ReadOnlySpan<byte> first = buffer.FirstSpan;
        byte header;
        int remainingLength;
        int lengthBytes;
        if (first.Length >= 5)
        {
            header = first[0];
            if (!TryReadRemainingLength(first[1..], out remainingLength, out lengthBytes))
            {
                return false;
            }
        }
        else
        {
            Span<byte> head = stackalloc byte[5];
            int copied = (int)Math.Min(buffer.Length, 5);
            buffer.Slice(0, copied).CopyTo(head);
            header = head[0];
            if (!TryReadRemainingLength(head[1..copied], out remainingLength, out lengthBytes))
            {
                return false;
            }
        }

        long packetSize = 1L + lengthBytes + remainingLength;
        if (packetSize > maximumPacketSize)
        {
            MqttThrow.Error(
                ReasonCode.PacketTooLarge,
                string.Empty,
                $"The packet is {packetSize} bytes, larger than the Maximum Packet Size of {maximumPacketSize} bytes (5.0 §3.2.2.3.6, §3.1.2.11.4).");
        }

        if (buffer.Length < packetSize)
        {
            return false;
        }

        frame = new MqttFrame(header, buffer.Slice(1 + lengthBytes, remainingLength), (int)packetSize);
        buffer = buffer.Slice(packetSize);
        return true;
    }

    /// <summary>
    /// Reads a Variable Byte Integer from the front of <paramref name="bytes"/>. Returns false when more bytes
    /// are needed. Throws Malformed Packet for a fifth byte or a non-minimal encoding [MQTT-1.5.5-1].
    /// </summary>
    internal static bool TryReadRemainingLength(ReadOnlySpan<byte> bytes, out int value, out int length)
    {
        value = 0;
        length = 0;
        int shift = 0;
        for (int i = 0; i < bytes.Length; i++)
        {
            byte b = bytes[i];
            value |= (b & 0x7F) << shift;
            if ((b & 0x80) == 0)
            {
                if (b == 0 && i > 0)
                {
                    MqttThrow.Malformed("MQTT-1.5.5-1", "A Variable Byte Integer must use the minimum number of bytes.");
                }

                length = i + 1;
                return true;
            }

            if (i == 3)
            {
                MqttThrow.Malformed("MQTT-1.5.5-1", "A Variable Byte Integer is at most four bytes long.");
            }

            shift += 7;
        }

        return false;
    }
}
