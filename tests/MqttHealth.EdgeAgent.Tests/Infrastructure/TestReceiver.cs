using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.Json;
using MqttHealth.Mqtt.Client;
using MqttHealth.Mqtt.Protocol;
using MqttHealth.Payloads.Clinical.V1;
using MqttHealth.Payloads.Keys;
using MqttHealth.Payloads.Schema;
using MqttHealth.Payloads.Sdk;

namespace MqttHealth.EdgeAgent.Tests.Infrastructure;

/// <summary>One envelope the receiver opened, with the reading times it carried (a batch: one per set).</summary>
public sealed record OpenedEnvelope(string Device, string Stream, uint Epoch, uint Sequence, ClinicalPayload.KindOneofCase Kind, IReadOnlyList<ulong> Times);

/// <summary>
/// The consumer side: an MQTT client with a persistent session (central-1) subscribed to every clinical stream and the
/// agent status, opening envelopes with <see cref="ClinicalReceiver"/> (which drops duplicates), reconnecting on its
/// own when the broker goes away and comes back. Records everything in arrival order.
/// </summary>
public sealed class TestReceiver : IAsyncDisposable
{
    private readonly Lock _sync = new();
    private readonly List<OpenedEnvelope> _opened = [];
    private readonly List<JsonElement> _statuses = [];
    private readonly List<string> _errors = [];
    private readonly Dictionary<string, int> _arrivals = []; // topic + envelope -> times received
    private readonly MqttClient _client;
    private readonly ClinicalReceiver _receiver;
    private readonly ClinicalInbox _inbox;
    private readonly PatientContextResolver _contexts = new();
    private readonly List<(string Device, string Patient, ulong TimeMs)> _attributed = [];
    private readonly CancellationTokenSource _cts = new();
    private Task _loop = Task.CompletedTask;
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private TestReceiver(int port, KeyIdentity consumer, FacilityTrust trust, bool resume)
    {
        _client = new MqttClient(new MqttClientOptions { Port = port, ClientId = "central-1", CleanStart = !resume, SessionExpiryInterval = 3600, KeepAliveSeconds = 5 });
        _receiver = new ClinicalReceiver(consumer, trust);
        _inbox = new ClinicalInbox(_receiver);
    }

    public int Duplicates { get; private set; }

    /// <summary>Envelopes refused as duplicates whose bytes were never seen before: a reused sequence.</summary>
    public int ReusedSequences { get; private set; }

    public IReadOnlyList<OpenedEnvelope> Opened
    {
        get
        {
            lock (_sync)
            {
                return [.. _opened];
            }
        }
    }

    /// <summary>Sample sets resolved to their patient (named, or through the sender's patient context), in the order resolved.</summary>
    public IReadOnlyList<(string Device, string Patient, ulong TimeMs)> Attributed
    {
        get
        {
            lock (_sync)
            {
                return [.. _attributed];
            }
        }
    }

    /// <summary>Sample sets waiting for a patient context they refer to.</summary>
    public int HeldForContext
    {
        get
        {
            lock (_sync)
            {
                return _contexts.HeldCount;
            }
        }
    }

    public IReadOnlyList<JsonElement> Statuses
    {
        get
        {
            lock (_sync)
            {
                return [.. _statuses];
            }
        }
    }

    public IReadOnlyList<string> Errors
    {
        get
        {
            lock (_sync)
            {
                return [.. _errors];
            }
        }
    }

    /// <summary>Connects (a new session, or with <paramref name="resume"/> the one <see cref="CreateSessionAsync"/> made), subscribes and starts receiving.</summary>
    public static async Task<TestReceiver> StartAsync(int port, KeyIdentity consumer, FacilityTrust trust, bool resume = false)
    {
        var receiver = new TestReceiver(port, consumer, trust, resume);
        await receiver._client.ConnectAsync();
        await receiver._client.SubscribeAsync("mh/v1/f1/+/+/+", QualityOfService.ExactlyOnce);
        await receiver._client.SubscribeAsync("mhagent/#", QualityOfService.AtLeastOnce);
        receiver._client.Options.CleanStart = false;
        receiver._loop = receiver.RunAsync();
        return receiver;
    }

    /// <summary>Subscribes with a persistent session and disconnects: the broker queues for it from now on.</summary>
    public static async Task CreateSessionAsync(int port)
    {
        await using var client = new MqttClient(new MqttClientOptions { Port = port, ClientId = "central-1", CleanStart = true, SessionExpiryInterval = 3600 });
        await client.ConnectAsync();
        await client.SubscribeAsync("mh/v1/f1/+/+/+", QualityOfService.ExactlyOnce);
        await client.DisconnectAsync();
    }

    /// <summary>The reading times per device, in arrival order (sample sets and batches; alarms excluded).</summary>
    public Dictionary<string, List<ulong>> VitalsTimes() =>
        Opened.Where(o => o.Kind is ClinicalPayload.KindOneofCase.SampleSet or ClinicalPayload.KindOneofCase.SampleBatch)
            .GroupBy(o => o.Device).ToDictionary(g => g.Key, g => g.SelectMany(o => o.Times).ToList());

    public int VitalsCount() => Opened.Where(o => o.Kind != ClinicalPayload.KindOneofCase.Alarm).Sum(o => o.Times.Count);

    public async Task WaitForAsync(Func<TestReceiver, bool> condition, TimeSpan timeout, string what)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            Task changed;
            lock (_sync)
            {
                changed = _changed.Task;
            }

            if (condition(this))
            {
                return;
            }

            TimeSpan left = timeout - clock.Elapsed;
            Assert.True(left > TimeSpan.Zero, $"{what}: not within {timeout.TotalSeconds} s (opened {Opened.Count} envelopes, {VitalsCount()} vitals; errors: {string.Join("; ", Errors.Take(5))})");
            await Task.WhenAny(changed, Task.Delay(left < TimeSpan.FromSeconds(1) ? left : TimeSpan.FromSeconds(1)));
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _cts.CancelAsync();
        try
        {
            await _loop;
        }
        catch (OperationCanceledException)
        {
        }

        await _client.DisposeAsync();
        _receiver.Dispose();
        _cts.Dispose();
    }

    private async Task RunAsync()
    {
        Task reading = ReadAsync();
        while (!_cts.IsCancellationRequested)
        {
            if (!_client.IsConnected)
            {
                try
                {
                    await _client.ConnectAsync(_cts.Token);
                }
                catch (Exception ex) when (ex is MqttClientException or System.Net.Sockets.SocketException or IOException or TimeoutException)
                {
                    await Task.Delay(100, _cts.Token);
                    continue;
                }
            }

            await Task.WhenAny(_client.Disconnection, Task.Delay(Timeout.Infinite, _cts.Token));
        }

        await reading;
    }

    private async Task ReadAsync()
    {
        try
        {
            await foreach (MqttApplicationMessage message in _client.ReceivedMessages.ReadAllAsync(_cts.Token))
            {
                Handle(message);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private void Handle(MqttApplicationMessage message)
    {
        lock (_sync)
        {
            if (message.Topic.StartsWith("mhagent/", StringComparison.Ordinal))
            {
                _statuses.Add(JsonDocument.Parse(message.Payload).RootElement.Clone());
            }
            else
            {
                if (!message.Topic.EndsWith("/keys", StringComparison.Ordinal))
                {
                    CollectionsMarshal.GetValueRefOrAddDefault(_arrivals, Key(message.Topic, message.Payload.Span), out _)++;
                }

                Record(_inbox.Receive(message.Topic, message.Payload.Span));
            }

            _changed.TrySetResult();
            _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
    }

    private static string Key(string topic, ReadOnlySpan<byte> envelope) => topic + ":" + Convert.ToBase64String(envelope);

    private void Record(InboxResult result)
    {
        foreach (ReceivedMessage opened in result.Opened)
        {
            ClinicalPayload payload = opened.Payload;
            IReadOnlyList<ulong> times = payload.KindCase switch
            {
                ClinicalPayload.KindOneofCase.SampleSet => [payload.SampleSet.TimeMs],
                ClinicalPayload.KindOneofCase.SampleBatch => [.. SampleSets.FromBatch(payload.SampleBatch).Select(s => s.TimeMs)],
                ClinicalPayload.KindOneofCase.Alarm => [payload.Alarm.TimeMs],
                _ => [],
            };
            _opened.Add(new OpenedEnvelope(opened.SenderId, opened.Topic.Stream, opened.Epoch, opened.Sequence, payload.KindCase, times));
            ContextResolution resolution = _contexts.Accept(opened);
            _attributed.AddRange(resolution.Ready.Select(a => (a.Source.SenderId, Convert.ToHexStringLower(a.Set.PatientRef.Span), a.Set.TimeMs)));
            _errors.AddRange(resolution.Errors);
            _errors.AddRange(resolution.Refused.Select(r => $"{r.Source.Topic} set {r.Index}: {r.Reason}"));
        }

        foreach (InboxRefusal refusal in result.Refusals)
        {
            if (refusal.Error.Error == ClinicalError.Duplicate)
            {
                Duplicates++;

                // A duplicate whose bytes arrived only this once: another envelope with the same sequence was opened.
                if (_arrivals.GetValueOrDefault(Key(refusal.Topic, refusal.Message.Span)) <= 1)
                {
                    ReusedSequences++;
                }
            }
            else
            {
                _errors.Add($"{refusal.Topic}: {refusal.Error.Error} {refusal.Error.Message}");
            }
        }
    }
}
