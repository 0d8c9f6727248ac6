using System.Collections.Concurrent;
using System.Security.Cryptography;

namespace MqttHealth.Payloads.SenderKeys;

/// <summary>
/// A recipient's sender keys: for each (sender id, epoch) whose secret it was given, the ratchet position, the window of
/// skipped keys for out-of-order delivery, and what was already opened. Thread-safe; opens of one (sender, epoch) are
/// serialized.
/// </summary>
/// <remarks>
/// Bounds per (sender, epoch): at most <see cref="MaxSkippedKeys"/> skipped keys are held (the oldest is erased when a
/// newer one needs the room, and its sequence then counts as outside the window), and one message may be at most
/// <see cref="MaxForwardJump"/> sequences ahead of the next expected one, except the first one opened in the epoch,
/// which may be up to <see cref="MaxInitialJump"/> from sequence 0 (a recipient joining mid-epoch). A message thus costs
/// at most MaxForwardJump + 1 ratchet steps to derive, forged or not, and MaxInitialJump + 1 before the first opens.
/// </remarks>
public sealed class SenderKeyStore
{
    /// <summary>The most skipped message keys held per (sender, epoch).</summary>
    public const int MaxSkippedKeys = 1024;

    /// <summary>The furthest a message's sequence may be ahead of the next expected one (so it skips at most this many keys).</summary>
    public const int MaxForwardJump = 1024;

    /// <summary>
    /// The furthest the first message a recipient opens in an epoch may be from sequence 0: a recipient that joins
    /// mid-epoch ratchets forward once, up to this many steps (tens of milliseconds). Senders rotate epochs before
    /// this many messages so that late joiners can always catch up.
    /// </summary>
    public const int MaxInitialJump = 65_536;

    private readonly ConcurrentDictionary<string, ConcurrentDictionary<uint, ReceiverChain>> _senders = new(StringComparer.Ordinal);

    /// <summary>
    /// Adds an epoch's secret (32 bytes) for a sender. Adding the same secret again (a retained key announcement seen
    /// again) changes nothing, so the replay state survives; a different secret for a known (sender, epoch) is refused.
    /// </summary>
    public void AddEpoch(string senderId, uint epoch, ReadOnlySpan<byte> secret)
    {
        ArgumentException.ThrowIfNullOrEmpty(senderId);
        var chain = new ReceiverChain(secret, senderId, epoch);
        var epochs = _senders.GetOrAdd(senderId, static _ => new ConcurrentDictionary<uint, ReceiverChain>());
        var existing = epochs.GetOrAdd(epoch, chain);
        if (!ReferenceEquals(existing, chain))
        {
            chain.Erase();
            if (!CryptographicOperations.FixedTimeEquals(existing.SecretCheck, chain.SecretCheck))
            {
                throw new InvalidOperationException($"Epoch {epoch} of sender '{senderId}' is already known with a different secret.");
            }
        }
    }

    /// <summary>Forgets (and erases) an epoch's keys; later messages of it are rejected as an unknown epoch.</summary>
    public bool RemoveEpoch(string senderId, uint epoch)
    {
        if (_senders.TryGetValue(senderId, out var epochs) && epochs.TryRemove(epoch, out var chain))
        {
            chain.Erase();
            return true;
        }

        return false;
    }

    /// <summary>True when the store holds keys of this (sender, epoch).</summary>
    public bool Contains(string senderId, uint epoch) => _senders.TryGetValue(senderId, out var epochs) && epochs.ContainsKey(epoch);

    /// <summary>The next in-order sequence of (sender, epoch), or null when unknown.</summary>
    public ulong? NextSequence(string senderId, uint epoch) => TryGetChain(senderId, epoch, out var chain, out _) ? chain.NextSequence : null;

    /// <summary>How many skipped keys (sender, epoch) holds, or null when unknown.</summary>
    public int? SkippedKeyCount(string senderId, uint epoch) => TryGetChain(senderId, epoch, out var chain, out _) ? chain.SkippedKeys : null;

    internal bool TryGetChain(string senderId, uint epoch, out ReceiverChain chain, out bool senderKnown)
    {
        if (_senders.TryGetValue(senderId, out var epochs))
        {
            senderKnown = true;
            return epochs.TryGetValue(epoch, out chain!);
        }

        senderKnown = false;
        chain = null!;
        return false;
    }
}
