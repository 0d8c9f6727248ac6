using System.Buffers;
using MqttHealth.Mqtt.Codec;
using MqttHealth.Mqtt.Packets;
using MqttHealth.Mqtt.Protocol;

namespace MqttHealth.Mqtt.Tests.Codec;

/// <summary>Encode and frame+decode shortcuts shared by the codec tests.</summary>
public static class Wire
{
    /// <summary>A maximum packet size that never limits (the frame reader's limit is an int).</summary>
    public const int NoLimit = int.MaxValue;

    /// <summary>Encodes <paramref name="packet"/> and checks the encoder's own size claims against what it wrote.</summary>
    public static byte[] Encode(MqttPacket packet, MqttProtocolVersion version)
    {
        var writer = new ArrayBufferWriter<byte>();
        int written = MqttPacketEncoder.Encode(packet, version, writer);
        Assert.Equal(writer.WrittenCount, written);
        return writer.WrittenSpan.ToArray();
    }

    /// <summary>Frames exactly one packet from <paramref name="buffer"/> (which must hold nothing else) and decodes it.</summary>
    public static MqttPacket DecodeSingle(ReadOnlySequence<byte> buffer, MqttProtocolVersion version, PacketDirection direction)
    {
        long length = buffer.Length;
        Assert.True(MqttFrameReader.TryReadFrame(ref buffer, NoLimit, out MqttFrame frame), "a complete packet must be framed");
        Assert.True(buffer.IsEmpty, "the frame reader must consume exactly the packet");
        Assert.Equal(length, frame.PacketSize);
        return MqttPacketDecoder.Decode(frame, version, direction);
    }

    public static MqttPacket DecodeSingle(byte[] bytes, MqttProtocolVersion version, PacketDirection direction) =>
        DecodeSingle(new ReadOnlySequence<byte>(bytes), version, direction);

    /// <summary>
    /// Reads the Remaining Length straight from the bytes with the algorithm of 5.0 §1.5.5 (independent of the
    /// codec): returns the value and how many bytes it took. Stops at the end of the bytes, so a truncated
    /// length field in a malformed case does not throw here.
    /// </summary>
    public static (int Value, int Length) ReadRemainingLength(ReadOnlySpan<byte> packet)
    {
        int multiplier = 1;
        int value = 0;
        int i = 1;
        byte encoded;
        do
        {
            encoded = packet[i++];
            value += (encoded & 127) * multiplier;
            multiplier *= 128;
        }
        while ((encoded & 128) != 0 && i < packet.Length);
        return (value, i - 1);
    }
}
