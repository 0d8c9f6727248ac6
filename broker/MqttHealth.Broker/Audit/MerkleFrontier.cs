using System.Security.Cryptography;

namespace MqttHealth.Broker.Audit;

/*
 * The Merkle tree of RFC 6962 §2.1 over all records, kept as its frontier: the roots of the perfect subtrees
 * that the binary decomposition of the tree size gives, largest (leftmost) first. Appending a leaf merges
 * equal-sized subtrees like a binary counter; the root folds the frontier from the right. Memory and work
 * are O(log n). Leaf hash = SHA-256(0x00 || record bytes); node hash = SHA-256(0x01 || left || right).
 */
internal sealed class MerkleFrontier
{
    public const int HashLength = SHA256.HashSizeInBytes;

    private readonly List<byte[]> _subtrees;

    public MerkleFrontier()
    {
        _subtrees = [];
    }

    private MerkleFrontier(long size, List<byte[]> subtrees)
    {
        Size = size;
        _subtrees = subtrees;
    }

    public long Size { get; private set; }

    /// <summary>Restores a frontier stored by <see cref="Serialize"/> for a tree of <paramref name="size"/> leaves.</summary>
    /// <exception cref="FormatException">The stored frontier does not fit the size.</exception>
    public static MerkleFrontier Deserialize(long size, ReadOnlySpan<byte> stored)
    {
        if (size < 0 || stored.Length != System.Numerics.BitOperations.PopCount((ulong)size) * HashLength)
        {
            throw new FormatException($"a frontier of {stored.Length} bytes does not fit a tree of {size} leaves");
        }

        var subtrees = new List<byte[]>();
        for (var i = 0; i < stored.Length; i += HashLength)
        {
            subtrees.Add(stored.Slice(i, HashLength).ToArray());
        }

        return new MerkleFrontier(size, subtrees);
    }

    public static byte[] LeafHash(ReadOnlySpan<byte> record)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData([0x00]);
        hash.AppendData(record);
        return hash.GetHashAndReset();
    }

    public static byte[] NodeHash(ReadOnlySpan<byte> left, ReadOnlySpan<byte> right)
    {
        Span<byte> buffer = stackalloc byte[1 + (2 * HashLength)];
        buffer[0] = 0x01;
        left.CopyTo(buffer[1..]);
        right.CopyTo(buffer[(1 + HashLength)..]);
        return SHA256.HashData(buffer);
    }

    public byte[] Serialize()
    {
        var bytes = new byte[_subtrees.Count * HashLength];
        for (var i = 0; i < _subtrees.Count; i++)
        {
            _subtrees[i].CopyTo(bytes, i * HashLength);
        }

        return bytes;
    }

    public MerkleFrontier Clone() => new(Size, [.. _subtrees]);

    public void Append(byte[] leafHash)
    {
        var hash = leafHash;
        for (var size = Size; (size & 1) == 1; size >>= 1)
        {
            hash = NodeHash(_subtrees[^1], hash);
            _subtrees.RemoveAt(_subtrees.Count - 1);
        }

        _subtrees.Add(hash);
        Size++;
    }

    /// <summary>The tree head; the empty tree's is SHA-256 of nothing (RFC 6962 §2.1).</summary>
    public byte[] Root()
    {
        if (_subtrees.Count == 0)
        {
            return SHA256.HashData([]);
        }

        var root = _subtrees[^1];
        for (var i = _subtrees.Count - 2; i >= 0; i--)
        {
            root = NodeHash(_subtrees[i], root);
        }

        return root;
    }
}
