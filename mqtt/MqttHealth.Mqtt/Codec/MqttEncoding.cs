namespace MqttHealth.Mqtt.Codec;

/// <summary>Sizes and Variable Byte Integers shared by the encoder and its callers.</summary>
public static class MqttEncoding
{
    /// <summary>How many bytes the Variable Byte Integer encoding of <paramref name="value"/> takes (1-4).</summary>
    public static int VariableByteIntegerSize(int value) => value switch
    {
        < 0 => throw new ArgumentOutOfRangeException(nameof(value), value, "A Variable Byte Integer is not negative."),
        < 128 => 1,
        < 16_384 => 2,
        < 2_097_152 => 3,
        <= MqttFrameReader.MaxRemainingLength => 4,
        _ => throw new ArgumentOutOfRangeException(nameof(value), value, "A Variable Byte Integer is at most 268,435,455."),
    };

    /// <summary>Writes <paramref name="value"/> as a minimal Variable Byte Integer; returns the bytes written.</summary>
    public static int WriteVariableByteInteger(Span<byte> destination, int value)
    {
        int size = VariableByteIntegerSize(value);
        for (int i = 0; i < size; i++)
        {
            byte b = (byte)(value & 0x7F);
            value >>= 7;
            destination[i] = i < size - 1 ? (byte)(b | 0x80) : b;
        }

        return size;
    }

    /// <summary>
    /// Size of a UTF-8 Encoded String on the wire: two length bytes plus the UTF-8 bytes. Refuses what the
    /// receiver would treat as malformed (U+0000, unpaired surrogates, over 65,535 bytes): see <see cref="MqttUtf8.GetByteCountForWrite"/>.
    /// </summary>
    internal static int StringSize(string value) => 2 + MqttUtf8.GetByteCountForWrite(value);

    /// <summary>Size of Binary Data on the wire: two length bytes plus the data.</summary>
    internal static int BinarySize(int length)
    {
        if (length > ushort.MaxValue)
        {
            throw new ArgumentException($"Binary Data is at most 65,535 bytes; this is {length}.", nameof(length));
        }

        return 2 + length;
    }
}
