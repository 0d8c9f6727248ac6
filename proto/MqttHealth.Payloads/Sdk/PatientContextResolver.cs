using MqttHealth.Payloads.Clinical.V1;
using MqttHealth.Payloads.Schema;

namespace MqttHealth.Payloads.Sdk;

/// <summary>Bounds of a <see cref="PatientContextResolver"/>, per sender.</summary>
public sealed class PatientContextOptions
{
    /// <summary>Sets held while their context is unknown; one more and the oldest is refused. Default 1,000 (about 17 minutes of a 1 Hz monitor).</summary>
    public int MaxHeldSetsPerSender { get; init; } = 1000;

    /// <summary>How long a set is held for its context before it is refused. Default 10 minutes.</summary>
    public TimeSpan MaxHoldTime { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>Contexts remembered per sender (the highest numbers), so late sets from an outbox still resolve. Default 16.</summary>
    public int RememberedContextsPerSender { get; init; } = 16;
}

/// <summary>
/// A sample set whose patient is resolved. <see cref="Set"/> is a copy with absolute time and <c>patient_ref</c> filled in
/// from its context (empty: the device had no patient); <see cref="Index"/> is its place in <see cref="Source"/> (a batch
/// holds several).
/// </summary>
public sealed record AttributedSet(ReceivedMessage Source, int Index, SampleSet Set);

/// <summary>A sample set that was never attributed to a patient, and why (its context never arrived, or is contradictory).</summary>
public sealed record UnattributedSet(ReceivedMessage Source, int Index, SampleSet Set, string Reason);

/// <summary>
/// What one <see cref="PatientContextResolver.Accept"/> produced: sets now attributed (including held sets the message
/// released), sets refused for good, and problems with a patient context itself.
/// </summary>
public sealed record ContextResolution(IReadOnlyList<AttributedSet> Ready, IReadOnlyList<UnattributedSet> Refused, IReadOnlyList<string> Errors);

/// <summary>
/// The receiver's side of the context rule (docs/payload-schema.md). A set with <c>patient_ref</c> uses it. A set with
/// context N uses the <see cref="PatientContext"/> number N of the same sender, never another: if N is not known yet
/// the set is held (at most <see cref="PatientContextOptions.MaxHeldSetsPerSender"/> sets and
/// <see cref="PatientContextOptions.MaxHoldTime"/>) and released when N arrives; on overflow or timeout the oldest
/// held sets are refused ("no patient context N from sender X"), never attributed. Context 0 without a patient: the
/// device had none. A context number redefined with another patient (the sender lost its counter) is refused, and
/// every set naming that number is refused too. Not thread-safe.
/// </summary>
public sealed class PatientContextResolver
{
    private readonly PatientContextOptions _options;
    private readonly TimeProvider _time;
    private readonly Dictionary<string, SenderContexts> _senders = new(StringComparer.Ordinal);

    public PatientContextResolver(PatientContextOptions? options = null, TimeProvider? time = null)
    {
        _options = options ?? new PatientContextOptions();
        if (_options.MaxHeldSetsPerSender < 0 || _options.RememberedContextsPerSender < 1 || _options.MaxHoldTime < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(options), "held sets and hold time must not be negative; at least one context is remembered");
        }

        _time = time ?? TimeProvider.System;
    }

    /// <summary>Sets held for a context, over all senders.</summary>
    public int HeldCount => _senders.Values.Sum(s => s.Held.Count);

    /// <summary>The context <paramref name="number"/> of <paramref name="senderId"/>, if remembered.</summary>
    public bool TryGetContext(string senderId, uint number, out PatientContext? context)
    {
        context = _senders.TryGetValue(senderId, out SenderContexts? sender) && sender.Known.TryGetValue(number, out PatientContext? known) ? known : null;
        return context is not null;
    }

    /// <summary>
    /// Takes one opened message: a <see cref="PatientContext"/> is remembered (and releases the sets held for it); the
    /// sets of a <see cref="SampleSet"/> or <see cref="SampleBatch"/> are attributed or held. Other kinds pass without
    /// effect. Held sets past their time are refused first.
    /// </summary>
    public ContextResolution Accept(ReceivedMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var ready = new List<AttributedSet>();
        var refused = new List<UnattributedSet>(Expire());
        var errors = new List<string>();
        ClinicalPayload payload = message.Payload;
        switch (payload.KindCase)
        {
            case ClinicalPayload.KindOneofCase.PatientContext:
                AcceptContext(message.SenderId, payload.PatientContext, ready, refused, errors);
                break;
            case ClinicalPayload.KindOneofCase.SampleSet:
                Attribute(message, 0, payload.SampleSet.Clone(), ready, refused);
                break;
            case ClinicalPayload.KindOneofCase.SampleBatch:
                List<SampleSet> sets = SampleSets.FromBatch(payload.SampleBatch);
                for (int i = 0; i < sets.Count; i++)
                {
                    Attribute(message, i, sets[i], ready, refused);
                }

                break;
        }

        return new ContextResolution(ready, refused, errors);
    }

    /// <summary>Refuses the held sets older than <see cref="PatientContextOptions.MaxHoldTime"/> (call it now and then when no message arrives).</summary>
    public IReadOnlyList<UnattributedSet> Expire()
    {
        var refused = new List<UnattributedSet>();
        DateTimeOffset limit = _time.GetUtcNow() - _options.MaxHoldTime;
        foreach ((string senderId, SenderContexts sender) in _senders)
        {
            while (sender.Held.Count > 0 && sender.Held.Peek().Since <= limit)
            {
                Held held = sender.Held.Dequeue();
                refused.Add(Unattributed(held, senderId, $"held {_options.MaxHoldTime.TotalSeconds:0} s"));
            }
        }

        return refused;
    }

    /// <summary>Refuses every held set now (e.g. when the consumer stops), saying why.</summary>
    public IReadOnlyList<UnattributedSet> Flush(string why)
    {
        var refused = new List<UnattributedSet>();
        foreach ((string senderId, SenderContexts sender) in _senders)
        {
            while (sender.Held.Count > 0)
            {
                refused.Add(Unattributed(sender.Held.Dequeue(), senderId, why));
            }
        }

        return refused;
    }

    private void AcceptContext(string senderId, PatientContext context, List<AttributedSet> ready, List<UnattributedSet> refused, List<string> errors)
    {
        if (context.Number == 0)
        {
            errors.Add($"patient context 0 from sender '{senderId}' refused: numbers start at 1");
            return;
        }

        SenderContexts sender = Sender(senderId);
        if (sender.Poisoned.Contains(context.Number))
        {
            errors.Add($"patient context {context.Number} from sender '{senderId}' refused: that number was defined twice with different patients");
            return;
        }

        if (sender.Known.TryGetValue(context.Number, out PatientContext? known))
        {
            if (!known.Equals(context))
            {
                // The sender reused a number (lost its counter): neither definition can be trusted for that number.
                sender.Known.Remove(context.Number);
                sender.Poisoned.Add(context.Number);
                errors.Add($"patient context {context.Number} from sender '{senderId}' was defined twice with different patients: sets naming it are refused");
                ReleaseHeld(sender, senderId, context.Number, ready, refused, poisoned: true);
            }

            return; // the same context again (retained, after a reconnect): nothing changes
        }

        sender.Known[context.Number] = context.Clone();
        ReleaseHeld(sender, senderId, context.Number, ready, refused, poisoned: false);
        while (sender.Known.Count > _options.RememberedContextsPerSender)
        {
            sender.Known.Remove(sender.Known.Keys.Min());
        }
    }

    private static void ReleaseHeld(SenderContexts sender, string senderId, uint number, List<AttributedSet> ready, List<UnattributedSet> refused, bool poisoned)
    {
        if (sender.Held.Count == 0)
        {
            return;
        }

        var keep = new Queue<Held>(sender.Held.Count);
        foreach (Held held in sender.Held)
        {
            if (held.Set.Context != number)
            {
                keep.Enqueue(held);
            }
            else if (poisoned)
            {
                refused.Add(Unattributed(held, senderId, "the context number was defined twice with different patients"));
            }
            else if (sender.Known.TryGetValue(number, out PatientContext? context))
            {
                held.Set.PatientRef = context.PatientRef;
                ready.Add(new AttributedSet(held.Source, held.Index, held.Set));
            }
        }

        sender.Held.Clear();
        foreach (Held held in keep)
        {
            sender.Held.Enqueue(held);
        }
    }

    private void Attribute(ReceivedMessage message, int index, SampleSet set, List<AttributedSet> ready, List<UnattributedSet> refused)
    {
        if (!set.PatientRef.IsEmpty || set.Context == 0)
        {
            ready.Add(new AttributedSet(message, index, set)); // named directly, or the device had no patient
            return;
        }

        SenderContexts sender = Sender(message.SenderId);
        if (sender.Poisoned.Contains(set.Context))
        {
            refused.Add(new UnattributedSet(message, index, set, $"patient context {set.Context} from sender '{message.SenderId}' was defined twice with different patients"));
            return;
        }

        if (sender.Known.TryGetValue(set.Context, out PatientContext? context))
        {
            set.PatientRef = context.PatientRef;
            ready.Add(new AttributedSet(message, index, set));
            return;
        }

        if (_options.MaxHeldSetsPerSender == 0)
        {
            refused.Add(new UnattributedSet(message, index, set, $"no patient context {set.Context} from sender '{message.SenderId}' (holding is off)"));
            return;
        }

        while (sender.Held.Count >= _options.MaxHeldSetsPerSender)
        {
            refused.Add(Unattributed(sender.Held.Dequeue(), message.SenderId, $"more than {_options.MaxHeldSetsPerSender} sets held"));
        }

        sender.Held.Enqueue(new Held(message, index, set, _time.GetUtcNow()));
    }

    private static UnattributedSet Unattributed(Held held, string senderId, string why) =>
        new(held.Source, held.Index, held.Set, $"no patient context {held.Set.Context} from sender '{senderId}' ({why}): never attributed to a patient");

    private SenderContexts Sender(string senderId)
    {
        if (!_senders.TryGetValue(senderId, out SenderContexts? sender))
        {
            sender = new SenderContexts();
            _senders[senderId] = sender;
        }

        return sender;
    }

    private sealed record Held(ReceivedMessage Source, int Index, SampleSet Set, DateTimeOffset Since);

    private sealed class SenderContexts
    {
        public Dictionary<uint, PatientContext> Known { get; } = [];

        public HashSet<uint> Poisoned { get; } = [];

        public Queue<Held> Held { get; } = new();
    }
}
