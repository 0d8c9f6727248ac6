using System.Collections.Concurrent;
using MqttHealth.EdgeAgent.Outbox;

namespace MqttHealth.EdgeAgent.Status;

/// <summary>
/// The agent's live counters and link state, shared by the inputs, the pipeline, the uplink and the status service.
/// Counters are kept in the database across restarts: <see cref="Flush"/> adds what changed since the last flush.
/// </summary>
public sealed class AgentStatus
{
    public const string SentBytes = "sent.bytes";
    public const string SentReadings = "sent.readings";
    public const string SentMessages = "sent.messages";
    public const string AcceptedReadings = "accepted.readings";

    private readonly ConcurrentDictionary<string, long> _unsaved = new(StringComparer.Ordinal);
    private readonly Lock _linkSync = new();
    private readonly TimeProvider _time;
    private LinkInfo _link;
    private long _windowTicks;

    public AgentStatus(TimeProvider time)
    {
        _time = time;
        _link = new LinkInfo(LinkState.Connecting, time.GetUtcNow(), null, null, 0);
    }

    public LinkInfo Link
    {
        get
        {
            lock (_linkSync)
            {
                return _link;
            }
        }
    }

    public bool Connected => Link.State == LinkState.Connected;

    /// <summary>The current batch window (for the status).</summary>
    public TimeSpan Window
    {
        get => TimeSpan.FromTicks(Interlocked.Read(ref _windowTicks));
        set => Interlocked.Exchange(ref _windowTicks, value.Ticks);
    }

    /// <summary>Raised (on the caller's thread) when the link state changes.</summary>
    public event Action<LinkState>? LinkChanged;

    public void SetLink(LinkState state, string? error = null)
    {
        lock (_linkSync)
        {
            _link = _link with
            {
                State = state,
                Since = _link.State == state ? _link.Since : _time.GetUtcNow(),
                LastError = error ?? _link.LastError,
                Connects = _link.Connects + (state == LinkState.Connected ? 1 : 0),
            };
        }

        LinkChanged?.Invoke(state);
    }

    public void Acknowledged()
    {
        lock (_linkSync)
        {
            _link = _link with { LastAck = _time.GetUtcNow() };
        }
    }

    /// <summary>A reading an input refused (bad JSON, unknown device, budget): counted per input kind.</summary>
    public void Rejected(string input) => Add("rejected." + input, 1);

    public void Add(string counter, long amount) => _unsaved.AddOrUpdate(counter, amount, (_, v) => v + amount);

    /// <summary>Writes the counters changed since the last flush to the store (added to what it holds).</summary>
    public void Flush(OutboxStore store)
    {
        var deltas = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (string key in _unsaved.Keys)
        {
            if (_unsaved.TryRemove(key, out long value) && value != 0)
            {
                deltas[key] = value;
            }
        }

        if (deltas.Count > 0)
        {
            store.AddCounters(deltas);
        }
    }
}
