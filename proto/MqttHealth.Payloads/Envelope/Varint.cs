namespace MqttHealth.Payloads.Envelope;

/// <summary>Unsigned LEB128 for 32-bit values: 7 bits a byte, least significant group first, 0x80 = more follows. Minimal encodings only.</summary>
internal static class Varint
{
    public const int MaxLength = 5;

    public static int Length(uint value) => value switch
    {
        < 1u << 7 => 1,
        < 1u << 14 => 2,
        < 1u << 21 => 3,
        < 1u << 28 => 4,
        _ => 5,
    };

    public static int Write(uint value, Span<byte> destination)
    {
        var i = 0;
        while (value >= 0x80)
        {
            destination[i++] = (byte)(value | 0x80);
            value >>= 7;
        }

        destination[i++] = (byte)value;
        return i;
    }

    /// <summary>Reads a minimal varint; false when truncated, longer than 5 bytes, above 2^32-1 or not minimal.</summary>
    public static bool TryRead(ReadOnlySpan<byte> source, out uint value, out int length)
    {
        value = 0;
        length = 0;
        ulong result = 0;
        for (var i = 0; i < MaxLength; i++)
        {
            if (i >= source.Length)
            {
                return false;
            }

            var b = source[i];
            result |= (ulong)(b & 0x7F) << (7 * i);
            if ((b & 0x80) == 0)
            {
                if ((b == 0 && i > 0) || result > uint.MaxValue)
                {
                    return false;
                }

                value = (uint)result;
                length = i + 1;
                return true;
            }
        }

        return false;
    }
}
