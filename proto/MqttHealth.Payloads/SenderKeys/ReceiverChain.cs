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
            if (jump > SenderKeyStore.MaxForwardJump)
            {
                return EnvelopeError.TooFarAhead;
            }

            var skipped = (int)jump;
            byte[]? keys = skipped == 0 ? null : ArrayPool<byte>.Shared.Rent(skipped * KeyRatchet.MessageKeyLength);
            ChainKey chain = default;
            _chainKey.CopyTo(chain);
            for (var i = 0; i < skipped; i++)
            {
                KeyRatchet.Step(chain, keys.AsSpan(i * KeyRatchet.MessageKeyLength, KeyRatchet.MessageKeyLength));
            }

            KeyRatchet.Step(chain, messageKey);
            pending = new PendingOpen(sequence, advance: true, skipped, keys, chain, -1);
            return EnvelopeError.None;
        }

        if (_skipped.TryFind(sequence, out var slot))
        {
            _skipped.CopyKey(slot, messageKey);
            pending = new PendingOpen(sequence, advance: false, 0, null, default, slot);
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
            for (var i = 0; i < pending.Skipped; i++)
            {
                var evicted = _skipped.Add((uint)(_nextSequence + (ulong)i), pending.Keys.AsSpan(i * KeyRatchet.MessageKeyLength, KeyRatchet.MessageKeyLength));
                _evictedBelow = Math.Max(_evictedBelow, evicted);
            }

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
internal struct PendingOpen(uint sequence, bool advance, int skipped, byte[]? keys, ChainKey nextChainKey, int slot)
{
    public uint Sequence = sequence;
    public bool Advance = advance;
    public int Skipped = skipped;
    public byte[]? Keys = keys;
    public ChainKey NextChainKey = nextChainKey;
    public int Slot = slot;
}
