using System.Buffers;

namespace MqttHealth.Mqtt.Tests.Codec;

/// <summary>
/// One link of a hand-built multi-segment <see cref="ReadOnlySequence{T}"/>, the shape a socket pipe hands to
/// the frame reader when a packet arrives in several reads.
/// </summary>
public sealed class BufferSegment : ReadOnlySequenceSegment<byte>
{
    public BufferSegment(ReadOnlyMemory<byte> memory)
    {
        Memory = memory;
    }

    /// <summary>Links a new segment after this one and returns it.</summary>
    public BufferSegment Append(ReadOnlyMemory<byte> memory)
    {
        var next = new BufferSegment(memory) { RunningIndex = RunningIndex + Memory.Length };
        Next = next;
        return next;
    }
}
