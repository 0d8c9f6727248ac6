namespace MqttHealth.Payloads.Envelope;

/// <summary>ISO/IEC 7816-4 padding: one 0x80 byte, then zeros. Removal finds the last non-zero byte, which must be 0x80.</summary>
internal static class Padding
{
    /// <summary>Pads body[..length] in place up to <paramref name="paddedLength"/> (> length).</summary>
    public static void Apply(Span<byte> body, int length, int paddedLength)
    {
        body[length] = 0x80;
        body[(length + 1)..paddedLength].Clear();
    }

    /// <summary>The unpadded length, or -1 when the padding is not 0x80 followed by zeros.</summary>
    public static int Remove(ReadOnlySpan<byte> padded)
    {
        var last = padded.LastIndexOfAnyExcept((byte)0);
        return last >= 0 && padded[last] == 0x80 ? last : -1;
    }
}
