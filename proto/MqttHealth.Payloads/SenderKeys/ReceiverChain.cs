using System.Buffers;
using System.Security.Cryptography;
using MqttHealth.Payloads.Envelope;

namespace MqttHealth.Payloads.SenderKeys;

/// <summary>
/// A recipient's view of one (sender, epoch): the chain key of the next expected sequence, the skipped keys, and the
/// floor below which keys may have been evicted. Opening is two-phase under <see cref="Gate"/>: <see cref="Lookup"/>
/// derives the key without changing anything, the caller authenticates, then <see cref="Commit"/> or
/// <see cref="Abandon"/>. So a forged message changes no state.
/// </summary>
internal sealed class ReceiverChain
{
    private readonly byte[] _chainKey = new byte[KeyRatchet.ChainKeyLength];
    private readonly SkippedKeyWindow _skipped = new();
    private ulong _nextSequence;
    private ulong _evictedBelow;
    private bool _opened;

    public ReceiverChain(ReadOnlySpan<byte> secret, string senderId, uint epoch)
    {
        KeyRatchet.InitialChainKey(secret, senderId, epoch, _chainKey);
        SecretCheck = SHA256.HashData(secret);
    }

    public Lock Gate { get; } = new();

    /// <summary>SHA-256 of the epoch secret: re-adding the same secret is a no-op, a different one is refused.</summary>
    public byte[] SecretCheck { get; }

    /// <summary>The next sequence in order (one above the highest opened).</summary>
    public ulong NextSequence => _nextSequence;

    /// <summary>Skipped keys held.</summary>
    public int SkippedKeys => _skipped.Present;

    /// <summary>Finds or derives the key of <paramref name="sequence"/>; changes nothing.</summary>
    public EnvelopeError Lookup(uint sequence, Span<byte> messageKey, out PendingOpen pending)
    {
        pending = default;
        if (sequence >= _nextSequence)
        {
            var jump = sequence - _nextSequence;
            if (jump > (ulong)(_opened ? SenderKeyStore.MaxForwardJump : SenderKeyStore.MaxInitialJump))
            {
                return EnvelopeError.TooFarAhead;
            }

            // Only the last MaxSkippedKeys keys of a long first jump are kept; the ones before are out of the window.
            var kept = (int)Math.Min(jump, SenderKeyStore.MaxSkippedKeys);
            var firstKept = (int)jump - kept;
            byte[]? keys = kept == 0 ? null : ArrayPool<byte>.Shared.Rent(kept * KeyRatchet.MessageKeyLength);
            ChainKey chain = default;
            _chainKey.CopyTo(chain);
            Span<byte> discarded = stackalloc byte[KeyRatchet.MessageKeyLength];
            for (var i = 0; i < (int)jump; i++)
            {
                KeyRatchet.Step(chain, i < firstKept ? discarded : keys.AsSpan((i - firstKept) * KeyRatchet.MessageKeyLength, KeyRatchet.MessageKeyLength));
            }

            CryptographicOperations.ZeroMemory(discarded);
            KeyRatchet.Step(chain, messageKey);
            pending = new PendingOpen(sequence, advance: true, firstKept, kept, keys, chain, -1);
            return EnvelopeError.None;
        }

        if (_skipped.TryFind(sequence, out var slot))
        {
            _skipped.CopyKey(slot, messageKey);
            pending = new PendingOpen(sequence, advance: false, 0, 0, null, default, slot);
            return EnvelopeError.None;
        }

        // Every sequence below the next one was opened, is held as skipped, or was evicted (all below the floor).
        return sequence < _evictedBelow ? EnvelopeError.OutsideWindow : EnvelopeError.Duplicate;
    }

    /// <summary>The message authenticated: advance the chain (storing skipped keys) or erase the used skipped key.</summary>
    public void Commit(ref PendingOpen pending)
    {
        if (pending.Advance)
        {
            var first = _nextSequence + (ulong)pending.FirstKept;
            if (pending.FirstKept > 0)
            {
                _evictedBelow = first;
            }

            for (var i = 0; i < pending.Skipped; i++)
            {
                var evicted = _skipped.Add((uint)(first + (ulong)i), pending.Keys.AsSpan(i * KeyRatchet.MessageKeyLength, KeyRatchet.MessageKeyLength));
                _evictedBelow = Math.Max(_evictedBelow, evicted);
            }

            _opened = true;

            ((ReadOnlySpan<byte>)pending.NextChainKey).CopyTo(_chainKey);
            _nextSequence = (ulong)pending.Sequence + 1;
        }
        else
        {
            _skipped.Take(pending.Slot);
        }

        Abandon(ref pending);
    }

    /// <summary>Forgets a lookup (erasing derived keys).</summary>
    public static void Abandon(ref PendingOpen pending)
    {
        if (pending.Keys is { } keys)
        {
            CryptographicOperations.ZeroMemory(keys.AsSpan(0, pending.Skipped * KeyRatchet.MessageKeyLength));
            ArrayPool<byte>.Shared.Return(keys);
        }

        CryptographicOperations.ZeroMemory(pending.NextChainKey);
        pending = default;
    }

    /// <summary>Erases every key of the epoch.</summary>
    public void Erase()
    {
        lock (Gate)
        {
            CryptographicOperations.ZeroMemory(_chainKey);
            _skipped.Clear();
            _nextSequence = ulong.MaxValue;
        }
    }
}

/// <summary>A derived but not yet committed key lookup.</summary>
internal struct PendingOpen(uint sequence, bool advance, int firstKept, int skipped, byte[]? keys, ChainKey nextChainKey, int slot)
{
    public uint Sequence = sequence;
    public bool Advance = advance;
    public int FirstKept = firstKept;
    public int Skipped = skipped;
    public byte[]? Keys = keys;
    public ChainKey NextChainKey = nextChainKey;
    public int Slot = slot;
}
