using System.Buffers;

namespace MqttHealth.Mqtt.Tests.Codec;

/// <summary>Builds multi-segment sequences over an array without copying it.</summary>
public static class Sequences
{
    /// <summary>A sequence made of exactly <paramref name="parts"/>, in order (empty parts included).</summary>
    public static ReadOnlySequence<byte> FromSegments(IReadOnlyList<ReadOnlyMemory<byte>> parts)
    {
        if (parts.Count == 0)
        {
            return ReadOnlySequence<byte>.Empty;
        }

        var first = new BufferSegment(parts[0]);
        BufferSegment last = first;
        for (int i = 1; i < parts.Count; i++)
        {
            last = last.Append(parts[i]);
        }

        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }

    /// <summary>Every byte in its own segment: the worst case for code that assumes contiguous memory.</summary>
    public static ReadOnlySequence<byte> OneBytePerSegment(byte[] bytes)
    {
        var parts = new ReadOnlyMemory<byte>[bytes.Length];
        for (int i = 0; i < bytes.Length; i++)
        {
            parts[i] = bytes.AsMemory(i, 1);
        }

        return FromSegments(parts);
    }

    /// <summary>An empty segment before, between and after every byte (pipes can produce empty segments).</summary>
    public static ReadOnlySequence<byte> WithEmptySegments(byte[] bytes)
    {
        var parts = new List<ReadOnlyMemory<byte>>(2 * bytes.Length + 1) { ReadOnlyMemory<byte>.Empty };
        for (int i = 0; i < bytes.Length; i++)
        {
            parts.Add(bytes.AsMemory(i, 1));
            parts.Add(ReadOnlyMemory<byte>.Empty);
        }

        return FromSegments(parts);
    }

    /// <summary>Two segments: bytes [0, index) and [index, n). Either may be empty.</summary>
    public static ReadOnlySequence<byte> SplitAt(byte[] bytes, int index) =>
        FromSegments([bytes.AsMemory(0, index), bytes.AsMemory(index)]);

    /// <summary>Segments of <paramref name="size"/> bytes (the last may be shorter).</summary>
    public static ReadOnlySequence<byte> Chunked(byte[] bytes, int size)
    {
        var parts = new List<ReadOnlyMemory<byte>>();
        for (int i = 0; i < bytes.Length; i += size)
        {
            parts.Add(bytes.AsMemory(i, Math.Min(size, bytes.Length - i)));
        }

        return FromSegments(parts);
    }
}
