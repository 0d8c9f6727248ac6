using System.Net;

namespace MqttHealth.Broker.Security.Authentication;

/// <summary>
/// Authentication failure back-off, per user name and per source address: after a failed password check for user
/// name U from address A, attempts for U (from anywhere) and from A (for any user) are refused without a check until
/// <c>min(base × 2^(failures−1), max)</c> has passed since that failure. Thread-safe; every operation is O(1) under
/// one short lock.
/// </summary>
/// <remarks>
/// <para>A success clears the user name's count, not the address's: one address (a gateway, a NAT) may carry many
/// legitimate users and one attacker. A refusal during back-off is not a failure (no password was tested), so it
/// neither lengthens the delay nor resets it. Unknown user names are tracked like known ones, so a refusal does not
/// reveal whether a user exists.</para>
/// <para>A key is forgotten (its count back to zero) once its back-off is over and it has had no failure for
/// <see cref="ForgetAfter"/>. At most <see cref="MaximumKeys"/> keys are tracked; when the table is full the key whose
/// last failure is oldest is evicted, so an attacker spraying addresses or user names cannot exhaust memory, and to
/// evict the record of a guess at one account takes that many fresh failures, each a full PBKDF2 check.</para>
/// <para>Addresses are keyed by the full IP address (IPv4-mapped IPv6 as IPv4), not by network prefix: a ward
/// behind one IPv6 /64 must not share one back-off. A remote end point that is not an IP end point has no
/// address key. User names longer than <see cref="UserNames.MaximumNameLength"/> (which no user can have) are
/// keyed by their first <see cref="UserNames.MaximumNameLength"/> characters and an ellipsis, bounding the memory of
/// one key.</para>
/// <para>Times come from <see cref="TimeProvider.GetUtcNow"/>; if the clock steps back, a remaining delay is never
/// longer than the key's current delay.</para>
/// </remarks>
public sealed class AuthFailureBackoff
{
    public const int DefaultMaximumKeys = 100_000;

    /// <summary>Default <c>Broker:Security:AuthFailureBackoffBase</c>: the delay after a key's first failure.</summary>
    public static readonly TimeSpan DefaultBase = TimeSpan.FromSeconds(1);

    /// <summary>Default <c>Broker:Security:AuthFailureBackoffMax</c>: the longest delay.</summary>
    public static readonly TimeSpan DefaultMaximum = TimeSpan.FromMinutes(5);

    /// <summary>A key with no failure for this long (and whose back-off is over) is forgotten.</summary>
    public static readonly TimeSpan ForgetAfter = TimeSpan.FromMinutes(15);

    // Beyond 2^62 × base every delay is the maximum anyway; saturating keeps the count from overflowing.
    private const int MaximumCountedFailures = 63;

    private readonly Lock _lock = new();
    private readonly TimeProvider _time;
    private readonly Dictionary<BackoffKey, LinkedListNode<Entry>> _entries = [];

    // Ordered by last failure, oldest first: the next to be forgotten or evicted is at the head.
    private readonly LinkedList<Entry> _byLastFailure = new();

    /// <param name="baseDelay">The delay after the first failure; <see cref="TimeSpan.Zero"/> turns the back-off off.</param>
    /// <param name="maximumDelay">The longest delay; at least <paramref name="baseDelay"/>.</param>
    /// <param name="timeProvider">The clock; <see cref="TimeProvider.System"/> when null.</param>
    /// <param name="maximumKeys">How many user names and addresses are tracked at most.</param>
    public AuthFailureBackoff(TimeSpan baseDelay, TimeSpan maximumDelay, TimeProvider? timeProvider = null, int maximumKeys = DefaultMaximumKeys)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(baseDelay, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(maximumDelay, baseDelay);
        ArgumentOutOfRangeException.ThrowIfLessThan(maximumKeys, 1);
        BaseDelay = baseDelay;
        MaximumDelay = maximumDelay;
        MaximumKeys = maximumKeys;
        _time = timeProvider ?? TimeProvider.System;
    }

    /// <summary>The defaults (1 s doubling to 5 min) on the system clock.</summary>
    public static AuthFailureBackoff Default() => new(DefaultBase, DefaultMaximum);

    public TimeSpan BaseDelay { get; }

    public TimeSpan MaximumDelay { get; }

    public int MaximumKeys { get; }

    public bool IsEnabled => BaseDelay > TimeSpan.Zero;

    /// <summary>How many keys (user names and addresses) are tracked now, forgotten ones included until they are pruned.</summary>
    public int TrackedKeys
    {
        get
        {
            lock (_lock)
            {
                return _entries.Count;
            }
        }
    }

    /// <summary><c>min(base × 2^(failures−1), max)</c>; zero for no failures.</summary>
    public TimeSpan DelayAfter(int failures)
    {
        if (failures <= 0 || !IsEnabled)
        {
            return TimeSpan.Zero;
        }

        int doublings = Math.Min(failures, MaximumCountedFailures) - 1;
        return BaseDelay.Ticks > MaximumDelay.Ticks >> doublings ? MaximumDelay : TimeSpan.FromTicks(BaseDelay.Ticks << doublings);
    }

    /// <summary>
    /// True when an attempt for <paramref name="userName"/> from <paramref name="remote"/> must be refused now;
    /// <paramref name="key"/> names the key that is backing off (<c>user NAME</c> or <c>address IP</c>, the longer
    /// wait when both are) and <paramref name="remaining"/> how long it still waits.
    /// </summary>
    public bool IsBackingOff(string userName, EndPoint? remote, out string? key, out TimeSpan remaining)
    {
        ArgumentNullException.ThrowIfNull(userName);
        key = null;
        remaining = TimeSpan.Zero;
        if (!IsEnabled)
        {
            return false;
        }

        BackoffKey user = BackoffKey.ForUser(userName);
        BackoffKey? address = BackoffKey.ForAddress(remote);
        DateTimeOffset now = _time.GetUtcNow();
        lock (_lock)
        {
            Prune(now);
            Consider(user, now, ref key, ref remaining);
            if (address is { } a)
            {
                Consider(a, now, ref key, ref remaining);
            }
        }

        return key is not null;
    }

    /// <summary>Counts a failed password check against the user name and the address.</summary>
    public void RecordFailure(string userName, EndPoint? remote)
    {
        ArgumentNullException.ThrowIfNull(userName);
        if (!IsEnabled)
        {
            return;
        }

        BackoffKey user = BackoffKey.ForUser(userName);
        BackoffKey? address = BackoffKey.ForAddress(remote);
        DateTimeOffset now = _time.GetUtcNow();
        lock (_lock)
        {
            Prune(now);
            Fail(user, now);
            if (address is { } a)
            {
                Fail(a, now);
            }
        }
    }

    /// <summary>A successful check: the user name's count starts again from zero. The address keeps its count.</summary>
    public void RecordSuccess(string userName)
    {
        ArgumentNullException.ThrowIfNull(userName);
        if (!IsEnabled)
        {
            return;
        }

        lock (_lock)
        {
            if (_entries.Remove(BackoffKey.ForUser(userName), out LinkedListNode<Entry>? node))
            {
                _byLastFailure.Remove(node);
            }
        }
    }

    private void Consider(BackoffKey key, DateTimeOffset now, ref string? longest, ref TimeSpan remaining)
    {
        if (!_entries.TryGetValue(key, out LinkedListNode<Entry>? node))
        {
            return;
        }

        Entry entry = node.Value;
        TimeSpan delay = DelayAfter(entry.Failures);
        TimeSpan left = entry.LastFailure + delay - now;
        if (left > delay)
        {
            left = delay; // the clock stepped back
        }

        if (left > TimeSpan.Zero && left > remaining)
        {
            remaining = left;
            longest = key.ToString();
        }
    }

    private void Fail(BackoffKey key, DateTimeOffset now)
    {
        if (_entries.TryGetValue(key, out LinkedListNode<Entry>? node))
        {
            _byLastFailure.Remove(node);
            node.Value = new Entry(key, Math.Min(node.Value.Failures + 1, MaximumCountedFailures), now);
            _byLastFailure.AddLast(node);
            return;
        }

        if (_entries.Count >= MaximumKeys)
        {
            LinkedListNode<Entry> oldest = _byLastFailure.First!;
            _byLastFailure.RemoveFirst();
            _entries.Remove(oldest.Value.Key);
        }

        _entries.Add(key, _byLastFailure.AddLast(new Entry(key, 1, now)));
    }

    // Forgets keys from the head (oldest last failure) while they are due. A key with a delay longer than
    // ForgetAfter can hold the scan up until it is due itself; the keys behind it stay a little longer, still capped.
    private void Prune(DateTimeOffset now)
    {
        while (_byLastFailure.First is { } head)
        {
            Entry entry = head.Value;
            TimeSpan delay = DelayAfter(entry.Failures);
            if (now - entry.LastFailure < (delay > ForgetAfter ? delay : ForgetAfter))
            {
                return;
            }

            _byLastFailure.RemoveFirst();
            _entries.Remove(entry.Key);
        }
    }

    private readonly record struct Entry(BackoffKey Key, int Failures, DateTimeOffset LastFailure);

    private readonly record struct BackoffKey(bool IsAddress, string Value)
    {
        // A longer name cannot be a user's, so the cut-off key (one character too long to be a name) cannot be one either.
        public static BackoffKey ForUser(string userName) =>
            new(false, userName.Length > UserNames.MaximumNameLength ? string.Concat(userName.AsSpan(0, UserNames.MaximumNameLength), "\u2026") : userName);

        public static BackoffKey? ForAddress(EndPoint? remote)
        {
            if (remote is not IPEndPoint { Address: { } address })
            {
                return null;
            }

            return new BackoffKey(true, (address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address).ToString());
        }

        public override string ToString() => IsAddress ? $"address {Value}" : $"user {Value}";
    }
}
