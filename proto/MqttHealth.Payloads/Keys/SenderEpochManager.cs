using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;

namespace MqttHealth.Payloads.Keys;

/// <summary>When a sender starts a new epoch: after <see cref="MaximumAge"/>, or after <see cref="MaximumMessages"/> messages, whichever comes first.</summary>
public sealed record EpochRotationPolicy(TimeSpan MaximumAge, ulong MaximumMessages)
{
    /// <summary>
    /// The most messages one epoch may carry: a receiver that joins late opens a first message at most this far into an
    /// epoch (<see cref="SenderKeys.SenderKeyStore.MaxInitialJump"/>), so a longer epoch could lock out a recipient it lists.
    /// </summary>
    public const ulong MessagesLimit = SenderKeys.SenderKeyStore.MaxInitialJump;

    /// <summary>One day or <see cref="MessagesLimit"/> (65,536) messages; a 1 Hz monitor rotates about every 18 hours.</summary>
    public static EpochRotationPolicy Default { get; } = new(TimeSpan.FromDays(1), MessagesLimit);

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> for a non-positive age, or a count of zero or above <see cref="MessagesLimit"/>.</summary>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(MaximumAge, TimeSpan.FromSeconds(1), nameof(MaximumAge));
        ArgumentOutOfRangeException.ThrowIfZero(MaximumMessages, nameof(MaximumMessages));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(MaximumMessages, MessagesLimit, nameof(MaximumMessages));
    }
}

/// <summary>Why a new epoch is due (<see cref="None"/>: the current one is still good).</summary>
public enum EpochRotationReason
{
    None,

    /// <summary>No epoch yet in this process (first start, or a restart: the secret is never written to disk).</summary>
    NoCurrentEpoch,

    /// <summary>A recipient of the current epoch was revoked: rotate at once, leaving it out.</summary>
    RecipientRevoked,

    /// <summary>The current epoch reached the policy's message count.</summary>
    MessageCount,

    /// <summary>The current epoch reached the policy's age.</summary>
    Age,

    /// <summary>Recipients were added (they need a secret they can unwrap).</summary>
    RecipientsChanged,
}

/// <summary>
/// The persisted state of a sender's epochs: the highest epoch number it ever announced, so a restarted sender never
/// reuses one. Written (atomically, flushed) before an announcement leaves <see cref="SenderEpochManager.Rotate"/>.
/// It holds no secret.
/// </summary>
public sealed record SenderEpochState(string SenderId, uint LastEpoch)
{
    public byte[] ToJson() => JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object> { ["sender"] = SenderId, ["lastEpoch"] = LastEpoch });

    public static SenderEpochState Parse(ReadOnlySpan<byte> json, string source)
    {
        try
        {
            using JsonDocument document = JsonDocument.Parse(json.ToArray());
            JsonElement root = document.RootElement;
            if (root.ValueKind == JsonValueKind.Object
                && root.TryGetProperty("sender", out JsonElement sender) && sender.ValueKind == JsonValueKind.String
                && root.TryGetProperty("lastEpoch", out JsonElement last) && last.ValueKind == JsonValueKind.Number && last.TryGetUInt32(out uint lastEpoch)
                && root.EnumerateObject().Count() == 2)
            {
                return new SenderEpochState(sender.GetString()!, lastEpoch);
            }
        }
        catch (JsonException ex)
        {
            throw new KeyException(KeyErrorKind.Malformed, $"{source}: not a sender epoch state ({ex.Message})", ex);
        }

        throw new KeyException(KeyErrorKind.Malformed, $"{source}: not a sender epoch state (expected {{\"sender\": NAME, \"lastEpoch\": N}})");
    }

    /// <summary>Reads the state file, or a fresh state (last epoch 0) when it does not exist.</summary>
    public static SenderEpochState LoadOrCreate(string path, string senderId)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path))
        {
            return new SenderEpochState(senderId, 0);
        }

        SenderEpochState state = Parse(File.ReadAllBytes(path), path);
        if (!string.Equals(state.SenderId, senderId, StringComparison.Ordinal))
        {
            throw new KeyException(KeyErrorKind.InvalidState, $"{path}: the state of sender '{state.SenderId}', not of '{senderId}'");
        }

        return state;
    }

    /// <summary>Writes the state to <paramref name="path"/> atomically: a flushed temporary file renamed over it.</summary>
    public void Save(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        string temporary = path + ".tmp";
        using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            stream.Write(ToJson());
            stream.Flush(flushToDisk: true);
        }

        File.Move(temporary, path, overwrite: true);
    }
}

/// <summary>
/// A sender's side of the key lifecycle: decides when a new epoch is due (<see cref="RotationDue"/>: by age, by message
/// count, at once when a recipient is revoked) and makes it (<see cref="Rotate"/>): a fresh 32-byte secret, the next
/// epoch number (persisted first, so never reused), and the signed announcement wrapping it for the current recipients
/// and for the sender itself (so the sender can recover its own secret from the retained message). The secret goes to
/// the envelope's sealer; the announcement is published retained at <see cref="KeyTopics.Announcement"/>.
/// </summary>
public sealed class SenderEpochManager
{
    private readonly KeyIdentity _sender;
    private readonly FacilityTrust _trust;
    private readonly EpochRotationPolicy _policy;
    private readonly string _statePath;
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, X509Certificate2> _recipients = new(StringComparer.Ordinal);
    private HashSet<string> _currentRecipients = new(StringComparer.Ordinal);
    private SenderEpochState _state;
    private DateTimeOffset _epochCreated;
    private long _messages;
    private bool _revokedPending;
    private bool _addedPending;

    /// <summary>
    /// A manager for <paramref name="sender"/> (a device or gateway) whose epoch counter lives in
    /// <paramref name="statePath"/> (created on the first rotation).
    /// </summary>
    public SenderEpochManager(KeyIdentity sender, FacilityTrust trust, EpochRotationPolicy policy, string statePath, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(sender);
        ArgumentNullException.ThrowIfNull(trust);
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(statePath);
        policy.Validate();
        if (!KeyRoles.MaySend(sender.Role))
        {
            throw new KeyException(KeyErrorKind.WrongUsage, $"'{sender.Name}' is a {KeyRoles.ToName(sender.Role)}: only devices and gateways send");
        }

        _sender = sender;
        _trust = trust;
        _policy = policy;
        _statePath = statePath;
        _time = time ?? TimeProvider.System;
        _state = SenderEpochState.LoadOrCreate(statePath, sender.Name);
    }

    /// <summary>The epoch in use, or null before the first <see cref="Rotate"/> of this process.</summary>
    public uint? CurrentEpoch { get; private set; }

    /// <summary>The highest epoch number ever announced (persisted).</summary>
    public uint LastEpoch => _state.LastEpoch;

    /// <summary>Messages recorded under the current epoch.</summary>
    public ulong MessagesInEpoch => (ulong)Interlocked.Read(ref _messages);

    /// <summary>The key ids of the authorised recipients (the sender itself not included).</summary>
    public IReadOnlyCollection<string> RecipientKeyIds
    {
        get
        {
            lock (_gate)
            {
                return [.. _recipients.Keys];
            }
        }
    }

    /// <summary>Adds an authorised recipient. It can read only epochs announced after this (a rotation is then due).</summary>
    public void AddRecipient(X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        CertificateFacts facts = CertificateFacts.Read(certificate);
        if (!KeyRoles.MayReceive(facts.Role))
        {
            throw new KeyException(KeyErrorKind.WrongUsage, $"recipient '{facts.Name}' is a {KeyRoles.ToName(facts.Role)}: the broker never receives epoch secrets");
        }

        _trust.Validate(certificate, _time.GetUtcNow(), "recipient certificate");
        lock (_gate)
        {
            if (_recipients.TryAdd(facts.KeyId, certificate) && !_currentRecipients.Contains(facts.KeyId))
            {
                _addedPending = true;
            }
        }
    }

    /// <summary>
    /// Removes a recipient (revoked, or no longer authorised). When it could read the current epoch, a rotation is due
    /// at once (<see cref="EpochRotationReason.RecipientRevoked"/>). Returns whether it was a recipient.
    /// </summary>
    public bool RevokeRecipient(string keyId)
    {
        ArgumentNullException.ThrowIfNull(keyId);
        lock (_gate)
        {
            bool removed = _recipients.Remove(keyId);
            if (_currentRecipients.Contains(keyId))
            {
                _revokedPending = true;
            }

            return removed;
        }
    }

    /// <summary>Revokes every recipient whose certificate <paramref name="crl"/> lists; returns how many.</summary>
    public int ApplyCrl(FacilityCrl crl)
    {
        ArgumentNullException.ThrowIfNull(crl);
        List<string> revoked;
        lock (_gate)
        {
            revoked = [.. _recipients.Where(r => crl.IsRevoked(r.Value)).Select(r => r.Key)];
        }

        foreach (string keyId in revoked)
        {
            RevokeRecipient(keyId);
        }

        return revoked.Count;
    }

    /// <summary>Counts one message sealed under the current epoch (call once per message).</summary>
    public void RecordMessage() => Interlocked.Increment(ref _messages);

    /// <summary>Why a new epoch is due now, or <see cref="EpochRotationReason.None"/>. Check before sealing.</summary>
    public EpochRotationReason RotationDue
    {
        get
        {
            lock (_gate)
            {
                if (CurrentEpoch is null)
                {
                    return EpochRotationReason.NoCurrentEpoch;
                }

                if (_revokedPending)
                {
                    return EpochRotationReason.RecipientRevoked;
                }

                if (MessagesInEpoch >= _policy.MaximumMessages)
                {
                    return EpochRotationReason.MessageCount;
                }

                if (_time.GetUtcNow() >= _epochCreated + _policy.MaximumAge)
                {
                    return EpochRotationReason.Age;
                }

                return _addedPending ? EpochRotationReason.RecipientsChanged : EpochRotationReason.None;
            }
        }
    }

    /// <summary>
    /// Starts the next epoch: reserves its number in the state file (flushed before anything else), draws a fresh secret,
    /// and signs the announcement for the current recipients and the sender. The caller hands
    /// <see cref="EpochRotation.Secret"/> to the sealer and publishes <see cref="EpochRotation.Announcement"/> retained.
    /// </summary>
    public EpochRotation Rotate()
    {
        lock (_gate)
        {
            EpochRotationReason reason = RotationDue;
            if (_state.LastEpoch == uint.MaxValue)
            {
                throw new KeyException(KeyErrorKind.InvalidState, $"sender '{_sender.Name}' has used every epoch number; issue it a new identity (a new name)");
            }

            var next = new SenderEpochState(_sender.Name, _state.LastEpoch + 1);
            next.Save(_statePath);
            _state = next;
            DateTimeOffset created = DateTimeOffset.FromUnixTimeSeconds(_time.GetUtcNow().ToUnixTimeSeconds());
            byte[] secret = RandomNumberGenerator.GetBytes(EpochKeyWrap.SecretLength);
            List<X509Certificate2> recipients = [.. _recipients.Values, _sender.Certificate];
            EpochAnnouncement announcement = EpochAnnouncement.Create(_sender, next.LastEpoch, secret, recipients, _trust, created, created + _policy.MaximumAge, _policy.MaximumMessages);
            CurrentEpoch = next.LastEpoch;
            _epochCreated = created;
            Interlocked.Exchange(ref _messages, 0);
            _currentRecipients = new HashSet<string>(_recipients.Keys, StringComparer.Ordinal);
            _revokedPending = false;
            _addedPending = false;
            return new EpochRotation(reason, announcement, new ReceivedEpoch(_sender.Name, next.LastEpoch, created, announcement.Expires, announcement.MaxMessages, secret));
        }
    }
}

/// <summary>The result of <see cref="SenderEpochManager.Rotate"/>: why, the announcement to publish, and the secret for the sealer.</summary>
public sealed record EpochRotation(EpochRotationReason Reason, EpochAnnouncement Announcement, ReceivedEpoch Secret);
