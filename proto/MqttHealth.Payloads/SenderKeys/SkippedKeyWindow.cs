using System.Security.Cryptography;

namespace MqttHealth.Payloads.SenderKeys;

/// <summary>
/// The message keys of sequences skipped over (not yet arrived), oldest first, at most
/// <see cref="SenderKeyStore.MaxSkippedKeys"/>. A ring in ascending sequence order; lookups by binary search. Taking a
/// key erases it; when full, the oldest slot is dropped and, if its key was still there, reported as evicted.
/// </summary>
internal sealed class SkippedKeyWindow
{
    private Entry[] _entries = [];
    private int _head;
    private int _count;

    /// <summary>Keys still held.</summary>
    public int Present { get; private set; }

    public bool TryFind(uint sequence, out int slot)
    {
        int low = 0, high = _count - 1;
        while (low <= high)
        {
            var mid = (low + high) >>> 1;
            ref var entry = ref At(mid);
            if (entry.Sequence == sequence)
            {
                slot = mid;
                return entry.Present;
            }

            if (entry.Sequence < sequence)
            {
                low = mid + 1;
            }
            else
            {
                high = mid - 1;
            }
        }

        slot = -1;
        return false;
    }

    public void CopyKey(int slot, Span<byte> messageKey) => ((ReadOnlySpan<byte>)At(slot).Key).CopyTo(messageKey);

    /// <summary>Erases the key in <paramref name="slot"/> and drops erased slots at the old end.</summary>
    public void Take(int slot)
    {
        ref var entry = ref At(slot);
        CryptographicOperations.ZeroMemory(entry.Key);
        entry.Present = false;
        Present--;
        while (_count > 0 && !_entries[_head].Present)
        {
            _head = (_head + 1) % _entries.Length;
            _count--;
        }
    }

    /// <summary>Adds the key of <paramref name="sequence"/> (above every held one); returns the evicted sequence + 1, or 0.</summary>
    public ulong Add(uint sequence, ReadOnlySpan<byte> messageKey)
    {
        ulong evictedBelow = 0;
        if (_count == SenderKeyStore.MaxSkippedKeys)
        {
            ref var oldest = ref _entries[_head];
            if (oldest.Present)
            {
                evictedBelow = (ulong)oldest.Sequence + 1;
                CryptographicOperations.ZeroMemory(oldest.Key);
                oldest.Present = false;
                Present--;
            }

            _head = (_head + 1) % _entries.Length;
            _count--;
        }
        else if (_count == _entries.Length)
        {
            Grow();
        }

        ref var entry = ref At(_count);
        entry.Sequence = sequence;
        entry.Present = true;
        messageKey.CopyTo(entry.Key);
        _count++;
        Present++;
        return evictedBelow;
    }

    /// <summary>Erases every key.</summary>
    public void Clear()
    {
        for (var i = 0; i < _count; i++)
        {
            CryptographicOperations.ZeroMemory(At(i).Key);
        }

        _entries = [];
        _head = _count = 0;
        Present = 0;
    }

    private ref Entry At(int index) => ref _entries[(_head + index) % _entries.Length];

    private void Grow()
    {
        var larger = new Entry[Math.Min(Math.Max(16, _entries.Length * 2), SenderKeyStore.MaxSkippedKeys)];
        for (var i = 0; i < _count; i++)
        {
            larger[i] = At(i);
            CryptographicOperations.ZeroMemory(At(i).Key);
        }

        _entries = larger;
        _head = 0;
    }

    private struct Entry
    {
        public uint Sequence;
        public bool Present;
        public MessageKey Key;
    }
}
