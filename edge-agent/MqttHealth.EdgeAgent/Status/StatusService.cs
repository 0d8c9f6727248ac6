using System.Text.Json;
using MqttHealth.EdgeAgent.Hosting;
using MqttHealth.EdgeAgent.Options;
using MqttHealth.EdgeAgent.Outbox;
using MqttHealth.EdgeAgent.Pipeline;
using MqttHealth.EdgeAgent.Uplink;

namespace MqttHealth.EdgeAgent.Status;

/// <summary>
/// Every <c>Agent:Status:Interval</c> (and when the link state changes): saves the counters and the status document in
/// the database (what <c>mqtthealth-agent status</c> reads), queues the document for the status stream (retained, QoS 1,
/// replacing an older one still queued), and truncates the WAL (see <see cref="OutboxStore.Checkpoint"/>).
/// </summary>
public sealed class StatusService : BackgroundService
{
    public const string LinkStateKey = "link";
    public const string StatusKey = "status";

    private readonly OutboxStore _store;
    private readonly AgentOptions _options;
    private readonly AgentStatus _status;
    private readonly WakeSignal _uplink;
    private readonly TimeProvider _time;
    private readonly ILogger<StatusService> _logger;
    private readonly WakeSignal _linkChanged = new();
    private readonly string _agent;

    public StatusService(OutboxStore store, AgentOptions options, AgentStatus status, WakeSignal uplink, TimeProvider time, ILogger<StatusService> logger)
    {
        _store = store;
        _options = options;
        _status = status;
        _uplink = uplink;
        _time = time;
        _logger = logger;
        _agent = UplinkService.ClientId(options);
        status.LinkChanged += _ => _linkChanged.Set();
    }

    /// <summary>The status topic: configured, or <c>mhagent/v1/{clientId}/status</c>.</summary>
    public static string Topic(AgentOptions options) =>
        string.IsNullOrEmpty(options.Status.Topic) ? $"mhagent/v1/{UplinkService.ClientId(options)}/status" : options.Status.Topic;

    /// <summary>The status now (counters flushed to the database first).</summary>
    public byte[] Current()
    {
        _status.Flush(_store);
        LinkInfo link = _status.Link;
        byte[] document = StatusReport.Build(_agent, _time.GetUtcNow(), link, _store.Snapshot(), _store.ReadCounters(), _options.Outbox.DiskBudgetBytes, _status.Window);
        _store.SaveState(StatusKey, System.Text.Encoding.UTF8.GetString(document));
        _store.SaveState(LinkStateKey, JsonSerializer.Serialize(new Dictionary<string, object?>
        {
            ["state"] = link.State.ToString().ToLowerInvariant(),
            ["since"] = link.Since.ToUnixTimeMilliseconds(),
            ["lastAck"] = link.LastAck?.ToUnixTimeMilliseconds(),
            ["lastError"] = link.LastError,
            ["connects"] = link.Connects,
            ["windowMs"] = (long)_status.Window.TotalMilliseconds,
            ["agent"] = _agent,
        }));
        return document;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        DateTimeOffset next = _time.GetUtcNow();
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                byte[] document = Current();
                if (_time.GetUtcNow() >= next)
                {
                    if (_options.Status.Publish)
                    {
                        _store.ReplaceStatus(new OutboxEntry(OutboxPriority.Status, _agent, Topic(_options), document, 1, true, 0, _time.GetUtcNow().ToUnixTimeMilliseconds()));
                        _uplink.Set();
                    }

                    _store.Checkpoint();
                    next = _time.GetUtcNow() + _options.Status.Interval;
                }
            }
#pragma warning disable CA1031 // The status is best effort; the next round tries again.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                _logger.StatusFailed(ex.Message, ex);
            }

            TimeSpan wait = next - _time.GetUtcNow();
            try
            {
                await _linkChanged.WaitAsync(wait > TimeSpan.Zero ? wait : TimeSpan.Zero, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }

        _status.Flush(_store);
    }
}
