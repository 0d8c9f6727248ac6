using System.Buffers;

namespace MqttHealth.Broker.Engine;

/// <summary>
/// A connection's buffer of encoded packets waiting for the flush loop: an <see cref="IBufferWriter{T}"/> over an
/// array taken from a shared pool on the first write, grown by taking a larger one, and given back by
/// <see cref="Release"/> once its bytes are written to the transport. So an idle connection holds no send
/// buffer (an idle connection's memory is what limits how many a broker holds), and a busy one takes and gives
/// back one array per batch, never allocating once the pool has what the busiest moment needed.
/// </summary>
/// <remarks>
/// The pool is <see cref="ArrayPool{T}.Create(int, int)"/>'s (lock-protected buckets that keep up to
/// <see cref="ArraysPerBucket"/> arrays of each size), not <see cref="ArrayPool{T}.Shared"/>: under fan-out, every
/// subscriber's connection holds a buffer at the same moment, more than the shared pool's per-core stacks keep,
/// and the rest would be allocated and dropped on every batch. Not thread-safe: the connection's write lock, or
/// its flush loop's ownership of the batch, serialises access.
/// </remarks>
internal sealed class SendBuffer : IBufferWriter<byte>
{
    /// <summary>The first array's size: most batches of small packets fit.</summary>
    public const int InitialSize = 4096;

    private const int ArraysPerBucket = 4096;
    private const int LargestPooledArray = 16 * 1024 * 1024;
    private static readonly ArrayPool<byte> Pool = ArrayPool<byte>.Create(LargestPooledArray, ArraysPerBucket);

    private byte[]? _array;
    private int _written;

    public int WrittenCount => _written;

    /// <summary>True while an array is held (between the first write and <see cref="Release"/>).</summary>
    public bool HoldsArray => _array is not null;

    public ReadOnlyMemory<byte> WrittenMemory => _array is null ? ReadOnlyMemory<byte>.Empty : _array.AsMemory(0, _written);

    public void Advance(int count)
    {
        if (count < 0 || _array is null || _written > _array.Length - count)
        {
            throw new ArgumentOutOfRangeException(nameof(count), count, "Advanced past the end of the memory handed out.");
        }

        _written += count;
    }

    public Memory<byte> GetMemory(int sizeHint = 0) => Reserve(sizeHint).AsMemory(_written);

    public Span<byte> GetSpan(int sizeHint = 0) => Reserve(sizeHint).AsSpan(_written);

    /// <summary>Forgets what was written and gives the array back to the pool.</summary>
    public void Release()
    {
        byte[]? array = _array;
        _array = null;
        _written = 0;
        if (array is not null)
        {
            Pool.Return(array);
        }
    }

    private byte[] Reserve(int sizeHint)
    {
        int needed = _written + Math.Max(sizeHint, 1);
        byte[]? current = _array;
        if (current is not null && needed <= current.Length)
        {
            return current;
        }

        int size = current is null ? Math.Max(InitialSize, needed) : Math.Max(needed, current.Length * 2);
        byte[] larger = Pool.Rent(size);
        if (current is not null)
        {
            current.AsSpan(0, _written).CopyTo(larger);
            Pool.Return(current);
        }

        _array = larger;
        return larger;
    }
}
