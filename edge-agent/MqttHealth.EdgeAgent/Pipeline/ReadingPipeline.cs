using System.Security.Cryptography;
using System.Threading.Channels;
using Google.Protobuf;
using MqttHealth.EdgeAgent.Hosting;
using MqttHealth.EdgeAgent.Inputs;
using MqttHealth.EdgeAgent.Options;
using MqttHealth.EdgeAgent.Outbox;
using MqttHealth.EdgeAgent.Status;
using MqttHealth.Payloads.Clinical.V1;
using MqttHealth.Payloads.Keys;
using MqttHealth.Payloads.Sdk;

namespace MqttHealth.EdgeAgent.Pipeline;

/// <summary>
/// The pipeline's one thread: takes readings from the inputs and writes them to disk in group commits (then the
/// inputs acknowledge them), keeps each device's pending readings until its batch is due (alarms at once, vitals by
/// the <see cref="BatchWindow"/>), builds the payloads (<see cref="PayloadBuilder"/>), seals them with the device's
/// <see cref="Payloads.Sdk.ClinicalSender"/> and commits the envelopes to the outbox, announcement first, deleting
/// the plaintext readings in the same transaction. Then it wakes the uplink.
/// </summary>
public sealed class ReadingPipeline : BackgroundService
{
    private static readonly TimeSpan Tick = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan ExpiryInterval = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan SealRetry = TimeSpan.FromSeconds(5);

    private readonly ChannelReader<IntakeRequest> _intake;
    private readonly OutboxStore _store;
    private readonly DeviceSenders _senders;
    private readonly AgentOptions _options;
    private readonly AgentStatus _status;
    private readonly BatchWindow _window;
    private readonly WakeSignal _uplink;
    private readonly TimeProvider _time;
    private readonly ILogger<ReadingPipeline> _logger;
    private readonly Dictionary<string, List<PendingReading>> _pending = new(StringComparer.Ordinal);
    private readonly Dictionary<string, DateTimeOffset> _retryAt = new(StringComparer.Ordinal);

    // Per device, the patient context whose envelope is known to be in the outbox (or sent): stored with the envelopes
    // in the same transaction (state key "context:{device}"). Sets are only ever stamped with such a context: a context
    // sealed just before a crash or a failed commit has its number in the sender's state but maybe no envelope anywhere,
    // and sets referring to it would be held by every receiver and never shown.
    private readonly Dictionary<string, CommittedContext> _committed = new(StringComparer.Ordinal);
    private DateTimeOffset _nextWindowUpdate;
    private DateTimeOffset _nextExpiry;

    public ReadingPipeline(Channel<IntakeRequest> intake, OutboxStore store, DeviceSenders senders, AgentOptions options, AgentStatus status, WakeSignal uplink, TimeProvider time, ILogger<ReadingPipeline> logger)
    {
        _intake = intake.Reader;
        _store = store;
        _senders = senders;
        _options = options;
        _status = status;
        _window = new BatchWindow(options.Batching);
        _uplink = uplink;
        _time = time;
        _logger = logger;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        foreach (PendingReading reading in _store.LoadPending())
        {
            Buffer(reading.Device).Add(reading);
        }

        foreach (string device in _senders.Names)
        {
            if (CommittedContext.Parse(_store.LoadState(CommittedContext.StateKey(device))) is { } committed)
            {
                _committed[device] = committed;
            }
        }

        _status.Window = _window.Update(_status.Connected, QueuedVitals());
        var batch = new List<IntakeRequest>();
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                TimeSpan wait = UntilNextDue();
                if (wait > TimeSpan.Zero && !_intake.TryPeek(out _))
                {
                    using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
                    timeout.CancelAfter(wait);
                    try
                    {
                        await _intake.WaitToReadAsync(timeout.Token).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
                    {
                        // due time or tick
                    }
                }

                while (batch.Count < _options.Outbox.GroupCommitMax && _intake.TryRead(out IntakeRequest? request))
                {
                    batch.Add(request);
                }

                if (batch.Count > 0)
                {
                    Store(batch);
                    batch.Clear();
                }

                DateTimeOffset now = _time.GetUtcNow();
                if (now >= _nextWindowUpdate)
                {
                    _status.Window = _window.Update(_status.Connected, QueuedVitals());
                    _nextWindowUpdate = now + Tick;
                }

                SealDue(now);
                if (now >= _nextExpiry)
                {
                    _store.Expire();
                    _nextExpiry = now + ExpiryInterval;
                }
            }
        }
        finally
        {
            foreach (IntakeRequest request in batch)
            {
                request.Outcome.TrySetResult(new AcceptOutcome(null, "the agent is stopping"));
            }

            while (_intake.TryRead(out IntakeRequest? request))
            {
                request.Outcome.TrySetResult(new AcceptOutcome(null, "the agent is stopping"));
            }
        }
    }

    private void Store(List<IntakeRequest> batch)
    {
        List<AcceptOutcome> outcomes;
        try
        {
            outcomes = _store.Accept([.. batch.Select(r => (r.Device, r.Priority, r.Payload))]);
        }
#pragma warning disable CA1031 // A failed write refuses these readings (their sources hear why); the agent goes on.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            _logger.StoreFailed(ex.Message, ex);
            foreach (IntakeRequest request in batch)
            {
                request.Outcome.TrySetResult(new AcceptOutcome(null, $"the outbox could not store it ({ex.Message})"));
            }

            return;
        }

        int accepted = 0;
        for (int i = 0; i < batch.Count; i++)
        {
            if (outcomes[i].Reading is { } reading)
            {
                Buffer(reading.Device).Add(reading);
                accepted++;
            }

            batch[i].Outcome.TrySetResult(outcomes[i]);
        }

        _status.Add(AgentStatus.AcceptedReadings, accepted);
    }

    private void SealDue(DateTimeOffset now)
    {
        foreach ((string device, List<PendingReading> readings) in _pending)
        {
            if (readings.Count == 0 || (_retryAt.TryGetValue(device, out DateTimeOffset retry) && now < retry))
            {
                continue;
            }

            bool vitalsDue = VitalsDue(readings, now);
            List<PendingReading> due = vitalsDue ? [.. readings] : [.. readings.Where(r => r.Priority == OutboxPriority.Alarm)];
            if (due.Count == 0)
            {
                continue;
            }

            try
            {
                Seal(device, due, now);
                _retryAt.Remove(device);
            }
            catch (Exception ex) when (ex is KeyException or CryptographicException or IOException or UnauthorizedAccessException or InvalidOperationException or ArgumentException or Microsoft.Data.Sqlite.SqliteException)
            {
                // The readings stay pending (on disk); a sequence sealed here and not committed is only skipped.
                _logger.SealFailed(device, ex.Message, ex);
                _retryAt[device] = now + SealRetry;
            }
        }
    }

    private void Seal(string device, List<PendingReading> due, DateTimeOffset now)
    {
        if (!_senders.TryGet(device, out ClinicalSender sender))
        {
            throw new InvalidOperationException($"device '{device}' is no longer configured; its {due.Count} pending readings wait until it is again");
        }

        var entries = new List<OutboxEntry>();
        var ids = new List<long>();
        byte[]? announced = null;
        CommittedContext? context = _committed.TryGetValue(device, out CommittedContext known) ? known : null;
        bool associated = false;
        void Add(SealedMessage message, OutboxPriority priority, int qos, int readings, long oldestMs)
        {
            if (message.Announcement is { } announcement && (announced is null || !announcement.AsSpan().SequenceEqual(announced)))
            {
                // Before the epoch's first envelope in the outbox, and sent before everything else (its priority).
                entries.Add(new OutboxEntry(OutboxPriority.Announcement, device, message.AnnouncementTopic, announcement, 1, true, 0, now.ToUnixTimeMilliseconds()));
                announced = announcement;
            }

            if (message.Context is { } context)
            {
                // The patient context sealed anew under a new epoch: after the announcement, before the envelope.
                entries.Add(new OutboxEntry(OutboxPriority.Announcement, device, context.Topic, context.Envelope, 1, true, 0, now.ToUnixTimeMilliseconds()));
            }

            entries.Add(new OutboxEntry(priority, device, message.Topic, message.Envelope, qos, message.Retain, readings, oldestMs));
        }

        foreach (BuiltPayload built in PayloadBuilder.Build(due, _options.Batching.MaxBatchSets))
        {
            ClinicalPayload payload = built.Payload;
            if (PatientOf(payload) is { } named)
            {
                // A set or batch without its own context. The patient travels once, in the device's retained patient
                // context (as 'mqtthealth pub' does); the sets carry the number that Seal stamps on them. A set that
                // names no patient belongs to the device's committed context; with none known, to the sender's last
                // patient, or to "no patient" (never a guess).
                ByteString patient = !named.IsEmpty ? named : context?.Patient ?? sender.CurrentPatient ?? ByteString.Empty;
                bool needed = context is { } c ? c.Number != sender.CurrentContext || !c.Patient.Equals(patient) : !named.IsEmpty || sender.CurrentContext != 0;
                if (needed)
                {
                    ulong since = payload.KindCase == ClinicalPayload.KindOneofCase.SampleSet ? payload.SampleSet.TimeMs : payload.SampleBatch.BaseTimeMs;
                    Add(sender.AssociatePatient(patient, DateTimeOffset.FromUnixTimeMilliseconds((long)since)), OutboxPriority.Announcement, 1, 0, now.ToUnixTimeMilliseconds());
                    context = new CommittedContext(sender.CurrentContext, patient);
                    associated = true;
                }

                if (!named.IsEmpty)
                {
                    payload = WithoutPatient(payload);
                }
            }

            OutboxPriority priority = PayloadBuilder.PriorityOf(payload);
            Add(sender.Seal(payload), priority, priority == OutboxPriority.Alarm ? _options.Broker.AlarmQos : 1, built.ReadingIds.Count, built.OldestAcceptedMs);
            ids.AddRange(built.ReadingIds); // every Seal above wrote the sender state before returning
        }

        DirectorySync.Sync(_senders.StateDirectory); // the state file's rename is durable before its envelopes are
        _store.CommitSealed(entries, ids, associated ? [(CommittedContext.StateKey(device), context!.Value.ToString())] : null);
        if (associated)
        {
            _committed[device] = context!.Value;
        }

        // Committed: these readings are in the outbox now, whatever happens below.
        HashSet<long> sealedIds = [.. ids];
        _pending[device].RemoveAll(r => sealedIds.Contains(r.Id));
        if (announced is not null)
        {
            try
            {
                sender.AnnouncementPublished(); // queued durably ahead of the envelopes: the outbox publishes it
            }
            catch (IOException ex)
            {
                // Only costs a second copy of the announcement with the next seal.
                _logger.SealFailed(device, "the announcement could not be marked published: " + ex.Message, ex);
            }
        }

        _uplink.Set();
    }

    /// <summary>The patient a sample set or batch names directly (no context number yet); null for other payloads.</summary>
    private static ByteString? PatientOf(ClinicalPayload payload) => payload.KindCase switch
    {
        ClinicalPayload.KindOneofCase.SampleSet when payload.SampleSet.Context == 0 => payload.SampleSet.PatientRef,
        ClinicalPayload.KindOneofCase.SampleBatch when payload.SampleBatch.Context == 0 && payload.SampleBatch.Sets.All(s => s.PatientRef.IsEmpty && s.Context == 0) => payload.SampleBatch.PatientRef,
        _ => null,
    };

    private static ClinicalPayload WithoutPatient(ClinicalPayload payload)
    {
        ClinicalPayload copy = payload.Clone();
        if (copy.KindCase == ClinicalPayload.KindOneofCase.SampleSet)
        {
            copy.SampleSet.PatientRef = ByteString.Empty;
        }
        else
        {
            copy.SampleBatch.PatientRef = ByteString.Empty;
        }

        return copy;
    }

    private bool VitalsDue(List<PendingReading> readings, DateTimeOffset now)
    {
        TimeSpan window = _window.Current;
        int vitals = 0;
        long oldest = long.MaxValue;
        foreach (PendingReading reading in readings)
        {
            if (reading.Priority != OutboxPriority.Alarm)
            {
                // Routine (vitals, device status): they wait for the window together.
                vitals++;
                oldest = Math.Min(oldest, reading.AcceptedMs);
            }
        }

        return vitals > 0 && (window <= TimeSpan.Zero || vitals >= _options.Batching.MaxBatchSets || now.ToUnixTimeMilliseconds() - oldest >= (long)window.TotalMilliseconds);
    }

    private TimeSpan UntilNextDue()
    {
        DateTimeOffset now = _time.GetUtcNow();
        DateTimeOffset next = now + Tick;
        foreach ((string device, List<PendingReading> readings) in _pending)
        {
            if (readings.Count == 0)
            {
                continue;
            }

            DateTimeOffset due = readings.Any(r => r.Priority == OutboxPriority.Alarm) ? now
                : DateTimeOffset.FromUnixTimeMilliseconds(readings[0].AcceptedMs) + _window.Current;
            if (_retryAt.TryGetValue(device, out DateTimeOffset retry) && retry > due)
            {
                due = retry; // a failed seal waits; a retry time already passed does not make the loop spin
            }
            next = due < next ? due : next;
        }

        return next <= now ? TimeSpan.Zero : next - now;
    }

    private long QueuedVitals() => _store.QueuedMessages(OutboxPriority.Vitals);

    private List<PendingReading> Buffer(string device)
    {
        if (!_pending.TryGetValue(device, out List<PendingReading>? list))
        {
            list = [];
            _pending.Add(device, list);
        }

        return list;
    }
}
