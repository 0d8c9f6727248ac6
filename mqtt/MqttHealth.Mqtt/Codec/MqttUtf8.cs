using System.Buffers;
using System.Text;
using System.Text.Unicode;
using MqttHealth.Mqtt.Protocol;

namespace MqttHealth.Mqtt.Codec;

/// <summary>UTF-8 Encoded String rules (5.0 §1.5.4): well-formed UTF-8, no surrogates, no U+0000.</summary>
public static class MqttUtf8
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>
    /// Throws Malformed Packet unless <paramref name="bytes"/> is well-formed UTF-8 (which also excludes the
    /// surrogate code points U+D800-U+DFFF) [MQTT-1.5.4-1] without the null character U+0000 [MQTT-1.5.4-2].
    /// </summary>
    public static void Validate(ReadOnlySpan<byte> bytes)
    {
        if (bytes.IndexOf((byte)0) >= 0)
        {
            MqttThrow.Malformed("MQTT-1.5.4-2", "A UTF-8 Encoded String must not include the null character U+0000.");
        }

        if (!Utf8.IsValid(bytes))
        {
            MqttThrow.Malformed("MQTT-1.5.4-1", "A UTF-8 Encoded String must be well-formed UTF-8.");
        }
    }

    /// <summary>Validates a string that may span several buffer segments.</summary>
    public static void Validate(in ReadOnlySequence<byte> bytes)
    {
        if (bytes.IsSingleSegment)
        {
            Validate(bytes.FirstSpan);
            return;
        }

        int length = (int)bytes.Length;
        byte[] rented = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            bytes.CopyTo(rented);
            Validate(rented.AsSpan(0, length));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>Checks a string before it is written: it must encode to valid MQTT UTF-8 and fit in 65,535 bytes.</summary>
    public static int GetByteCountForWrite(string value)
    {
        int count;
        try
        {
            // Strict: Encoding.UTF8 would silently write an unpaired surrogate as U+FFFD.
            count = StrictUtf8.GetByteCount(value);
        }
        catch (EncoderFallbackException e)
        {
            throw new ArgumentException("A UTF-8 Encoded String must not contain an unpaired surrogate (U+D800-U+DFFF) [MQTT-1.5.4-1].", nameof(value), e);
        }

        if (count > ushort.MaxValue)
        {
            throw new ArgumentException($"A UTF-8 Encoded String is at most 65,535 bytes; this one is {count}.", nameof(value));
        }

        if (value.Contains('\0', StringComparison.Ordinal))
        {
            throw new ArgumentException("A UTF-8 Encoded String must not include U+0000 [MQTT-1.5.4-2].", nameof(value));
        }

        return count;
    }
}
