using System.Collections.Concurrent;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using MqttHealth.EdgeAgent.Hosting;
using MqttHealth.EdgeAgent.Options;
using MqttHealth.EdgeAgent.Outbox;
using MqttHealth.EdgeAgent.Pipeline;
using MqttHealth.EdgeAgent.Status;
using MqttHealth.Mqtt.Client;
using MqttHealth.Mqtt.Protocol;
using MqttHealth.Payloads.Keys;

namespace MqttHealth.EdgeAgent.Uplink;

/// <summary>
/// The one MQTT 5 connection: connects (re-connects with <see cref="ReconnectBackoff"/>), publishes the outbox in
/// send order (priority, then storage order) with up to <c>MaxInflight</c> messages awaiting their acknowledgement, and
/// deletes a row only on its PUBACK (QoS 1) or PUBCOMP (QoS 2). Every connect resumes the session (clean start false,
/// session expiry set), also the first one of a restarted process: the MQTT session state lives in the outbox with each
/// message (its Packet Identifier, stored before the PUBLISH is sent, and for QoS 2 whether the PUBREC arrived, stored
/// before the PUBREL is sent), is put back into the client before the first connect and resumed as MQTT 5 §4.4 asks
/// (see docs/edge-agent.md, "Session").
/// </summary>
public sealed class UplinkService : BackgroundService
{
    private static readonly TimeSpan SettleTimeout = TimeSpan.FromSeconds(5);

    private readonly OutboxStore _store;
    private readonly AgentOptions _options;
    private readonly AgentStatus _status;
    private readonly WakeSignal _wake;
    private readonly ILogger<UplinkService> _logger;
    private readonly ReconnectBackoff _backoff;
    private readonly ConcurrentQueue<(OutboxRow Row, int Bytes)> _acked = new();
    private readonly ConcurrentQueue<(OutboxRow Row, string Reason)> _refused = new();
    private readonly ConcurrentDictionary<long, Task> _publishes = new();
    private readonly ConcurrentDictionary<ushort, long> _rowByPacketId = new();
    private WireBytes _wire = new(0);

    // What the connected server takes (CONNACK): alarms go at most at its Maximum QoS and announcements unretained where
    // it has no retained messages, rather than not at all.
    private QualityOfService _maximumQos = QualityOfService.ExactlyOnce;
    private bool _retainAvailable = true;
    private int _nextPacketId = 1;

    public UplinkService(OutboxStore store, AgentOptions options, AgentStatus status, WakeSignal wake, ILogger<UplinkService> logger)
    {
        _store = store;
        _options = options;
        _status = status;
        _wake = wake;
        _logger = logger;
        _backoff = new ReconnectBackoff(options.Broker.ReconnectMinDelay, options.Broker.ReconnectMaxDelay);
    }

    /// <summary>The MQTT client id (configured, or <c>agent-{hostname}</c>).</summary>
    public static string ClientId(AgentOptions options) =>
        string.IsNullOrEmpty(options.Broker.ClientId) ? "agent-" + Environment.MachineName.ToLowerInvariant() : options.Broker.ClientId;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        MqttClientOptions clientOptions = ClientOptions(_options);
        clientOptions.PubRecReceived = RecordPubRec;
        await using var client = new MqttClient(clientOptions);
        RestoreSession(client);
        int attempt = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            _status.SetLink(LinkState.Connecting);
            MqttClientConnectResult connack;
            try
            {
                connack = await client.ConnectAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is MqttClientException or SocketException or IOException or TimeoutException or AuthenticationException || (ex is OperationCanceledException && !stoppingToken.IsCancellationRequested))
            {
                TimeSpan delay = _backoff.Delay(attempt++);
                _status.SetLink(LinkState.Disconnected, ex.Message);
                _logger.ConnectFailed(_options.Broker.Host, _options.Broker.Port, ex.Message, delay.TotalSeconds);
                await DelayAsync(delay, stoppingToken).ConfigureAwait(false);
                continue;
            }
            catch (OperationCanceledException)
            {
                break;
            }

            attempt = 0;
            _wire = new WireBytes(clientOptions.UseTopicAliases ? connack.TopicAliasMaximum : (ushort)0);
            _maximumQos = connack.MaximumQoS;
            _retainAvailable = connack.RetainAvailable;
            if (_maximumQos < (QualityOfService)_options.Broker.AlarmQos || !_retainAvailable)
            {
                _logger.ServerLimits((int)_maximumQos, _retainAvailable);
            }

            Task<MqttClientDisconnectedEventArgs> disconnected = client.Disconnection;
            _status.SetLink(LinkState.Connected);
            _logger.Connected(_options.Broker.Host, _options.Broker.Port, connack.SessionPresent, connack.TopicAliasMaximum);
            if (!connack.SessionPresent)
            {
                // Publishes of the lost session fail (SessionLost) and go back to the queue before anything new is sent,
                // so order per device is kept; their Packet Identifiers mean nothing to the new session.
                await SettleAsync().ConfigureAwait(false);
                _store.ClearPacketIds();
            }

            await PumpAsync(client, disconnected, stoppingToken).ConfigureAwait(false);
            Drain();
            if (stoppingToken.IsCancellationRequested)
            {
                break;
            }

            string reason = disconnected.IsCompleted ? disconnected.Result.Message : "connection ended";
            TimeSpan wait = _backoff.Delay(attempt++);
            _status.SetLink(LinkState.Disconnected, reason);
            _logger.ConnectionLost(reason, wait.TotalSeconds);
            await DelayAsync(wait, stoppingToken).ConfigureAwait(false);
        }

        if (client.IsConnected)
        {
            try
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(3));
                await client.DisconnectAsync(cancellationToken: timeout.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is MqttClientException or OperationCanceledException or IOException or SocketException)
            {
                // leaving anyway: the outbox keeps whatever was not acknowledged
            }
        }

        Drain();
        _status.SetLink(LinkState.Stopped);
    }

    private static async Task DelayAsync(TimeSpan delay, CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // stopping
        }
    }

    private async Task PumpAsync(MqttClient client, Task<MqttClientDisconnectedEventArgs> disconnected, CancellationToken stoppingToken)
    {
        int maxInflight = _options.Broker.MaxInflight;
        while (!stoppingToken.IsCancellationRequested && !disconnected.IsCompleted)
        {
            Drain();
            int room = maxInflight - _publishes.Count;
            if (room > 0)
            {
                // Announcements and patient contexts go first (their priority) and are pipelined with what follows
                // rather than acknowledged first: the broker forwards one connection's messages in order (MQTT 5 §4.6),
                // a resumed session resends in the original order, and a receiver holds an envelope that comes before
                // its announcement. On a slow link this saves a round trip per announcement and context.
                List<OutboxRow> rows = [.. _store.Next(maxInflight + _store.InFlight.Count).Where(r => !_store.InFlight.ContainsKey(r.Id)).Take(room)];
                foreach (OutboxRow row in AssignPacketIds(rows))
                {
                    Publish(client, row);
                }
            }

            Task wake = _wake.WaitAsync(TimeSpan.FromSeconds(1), stoppingToken);
            try
            {
                await Task.WhenAny(wake, disconnected).ConfigureAwait(false);
                await (wake.IsCompleted ? wake : Task.CompletedTask).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }

    /// <summary>
    /// Gives each row a Packet Identifier (a row keeps the one it has) and stores the new ones in one transaction, on
    /// disk before any of these PUBLISH packets can reach the broker. Free means: held neither by a stored row nor by a
    /// publish of this process.
    /// </summary>
    private List<OutboxRow> AssignPacketIds(List<OutboxRow> rows)
    {
        if (rows.All(r => r.PacketId != 0))
        {
            return rows;
        }

        HashSet<ushort> used = _store.PacketIdsInUse();
        used.UnionWith(_rowByPacketId.Keys);
        var assignments = new List<(long RowId, ushort PacketId)>();
        for (int i = 0; i < rows.Count; i++)
        {
            if (rows[i].PacketId != 0)
            {
                continue;
            }

            while (used.Contains((ushort)_nextPacketId))
            {
                _nextPacketId = _nextPacketId % ushort.MaxValue + 1;
            }

            ushort id = (ushort)_nextPacketId;
            used.Add(id);
            _nextPacketId = _nextPacketId % ushort.MaxValue + 1;
            assignments.Add((rows[i].Id, id));
            rows[i] = rows[i] with { PacketId = id, PubRecReceived = false };
        }

        _store.AssignPacketIds(assignments);
        return rows;
    }

    /// <summary>Puts the session of the last process (the rows holding a Packet Identifier) back into the client before it connects.</summary>
    private void RestoreSession(MqttClient client)
    {
        var wire = new WireBytes(0);
        foreach (OutboxRow row in _store.SessionRows())
        {
            OutboxEntry entry = row.Entry;
            Track(row, wire.Measure(entry.Topic, entry.Payload, entry.Qos, entry.Retain), () => client.RestorePublish(
                row.PacketId, entry.Topic, entry.Payload, (QualityOfService)entry.Qos, entry.Retain, row.PubRecReceived && entry.Qos == 2));
        }
    }

    private ValueTask RecordPubRec(ushort packetId)
    {
        if (_rowByPacketId.TryGetValue(packetId, out long rowId))
        {
            _store.MarkPubRecReceived(rowId);
        }

        return ValueTask.CompletedTask;
    }

    private void Publish(MqttClient client, OutboxRow row)
    {
        OutboxEntry entry = row.Entry;
        var qos = (QualityOfService)Math.Min(entry.Qos, (int)_maximumQos);
        bool retain = entry.Retain && _retainAvailable;
        int bytes = _wire.Measure(entry.Topic, entry.Payload, (int)qos, retain);
        Track(row, bytes, () => client.PublishAsync(entry.Topic, entry.Payload, qos, retain, row.PacketId).AsTask());
    }

    private void Track(OutboxRow row, int bytes, Func<Task<MqttClientPublishResult>> publish)
    {
        _store.InFlight[row.Id] = 0;
        _rowByPacketId[row.PacketId] = row.Id;
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _publishes[row.Id] = done.Task;
        _ = PublishCoreAsync(publish, row, bytes, done);
    }

    private async Task PublishCoreAsync(Func<Task<MqttClientPublishResult>> publish, OutboxRow row, int bytes, TaskCompletionSource done)
    {
        try
        {
            await publish().ConfigureAwait(false);
            _acked.Enqueue((row, bytes));
            _status.Acknowledged();
        }
        catch (MqttClientException ex) when (ex.Kind == MqttClientErrorKind.PublishRefused || (ex.Kind == MqttClientErrorKind.LimitExceeded && ex.ReasonCode == ReasonCode.PacketTooLarge))
        {
            // The broker refused it, or it can never fit the server's Maximum Packet Size: retrying would not help.
            _refused.Enqueue((row, ex.Message));
        }
        catch (Exception ex) when (ex is MqttClientException or ObjectDisposedException or InvalidOperationException or IOException or SocketException or OperationCanceledException)
        {
            // Not acknowledged (connection lost without a resumable session, or stopping): it stays in the outbox.
            _store.InFlight.TryRemove(row.Id, out _);
        }
        finally
        {
            // The identifier stays stored with the row (and so in use) until the row is deleted or the session is lost.
            _rowByPacketId.TryRemove(row.PacketId, out _);
            _publishes.TryRemove(row.Id, out _);
            done.TrySetResult();
            _wake.Set();
        }
    }

    /// <summary>Deletes acknowledged rows (one transaction, with the sent counters) and drops refused ones.</summary>
    private void Drain()
    {
        var ids = new List<long>();
        long bytes = 0;
        long readings = 0;
        while (_acked.TryDequeue(out (OutboxRow Row, int Bytes) acked))
        {
            ids.Add(acked.Row.Id);
            bytes += acked.Bytes;
            readings += acked.Row.Entry.Readings;
        }

        if (ids.Count > 0)
        {
            _store.Remove(ids, new Dictionary<string, long>(StringComparer.Ordinal)
            {
                [AgentStatus.SentBytes] = bytes,
                [AgentStatus.SentReadings] = readings,
                [AgentStatus.SentMessages] = ids.Count,
            });
            foreach (long id in ids)
            {
                _store.InFlight.TryRemove(id, out _);
            }
        }

        while (_refused.TryDequeue(out (OutboxRow Row, string Reason) refused))
        {
            _logger.PublishRefused(refused.Row.Entry.Topic, refused.Reason);
            _store.DropRefused(refused.Row);
            _store.InFlight.TryRemove(refused.Row.Id, out _);
        }
    }

    private async Task SettleAsync()
    {
        Task[] pending = [.. _publishes.Values];
        if (pending.Length > 0)
        {
            await Task.WhenAny(Task.WhenAll(pending), Task.Delay(SettleTimeout)).ConfigureAwait(false);
        }

        Drain();
    }

    /// <summary>The client options from <c>Agent:Broker</c> (TLS pinned to the configured CA).</summary>
    public static MqttClientOptions ClientOptions(AgentOptions options)
    {
        BrokerConnectionOptions broker = options.Broker;
        var client = new MqttClientOptions
        {
            Host = broker.Host,
            Port = broker.Port,
            ClientId = ClientId(options),
            ProtocolVersion = MqttProtocolVersion.V500,
            KeepAliveSeconds = broker.KeepAliveSeconds,
            CleanStart = false,
            SessionExpiryInterval = broker.SessionExpirySeconds,
            MaximumInflight = broker.MaxInflight,
            ConnectTimeout = broker.ConnectTimeout,
            UseTopicAliases = true,
        };
        if (!string.IsNullOrEmpty(broker.UserName))
        {
            client.UserName = broker.UserName;
            client.Password = Encoding.UTF8.GetBytes((File.ReadLines(broker.PasswordFile!).FirstOrDefault() ?? string.Empty).TrimEnd('\r'));
        }

        if (broker.Tls)
        {
            string caPath = !string.IsNullOrEmpty(broker.TlsCaFile) ? broker.TlsCaFile
                : Directory.Exists(options.Identity.Ca) ? Path.Combine(options.Identity.Ca, "ca.crt.pem") : options.Identity.Ca;
            X509Certificate2 ca = KeyIdentity.ParseCertificatePem(KeyIdentity.ReadText(caPath), caPath);
            client.Tls = new MqttClientTlsOptions
            {
                TargetHost = string.IsNullOrEmpty(broker.TlsHost) ? broker.Host : broker.TlsHost,
                RemoteCertificateValidationCallback = MqttClientTlsOptions.TrustOnly(ca),
            };
            if (broker.TlsClientCertificate)
            {
                // The first device identity, as it seals: its certificate with the key decrypted by its passphrase.
                DeviceIdentityOptions device = options.Identity.Devices[0];
                string passphrase = File.ReadLines(device.PassphraseFile).FirstOrDefault() ?? string.Empty;
                client.Tls.ClientCertificates = [X509Certificate2.CreateFromEncryptedPemFile(device.Certificate, passphrase, device.Key)];
            }
        }

        return client;
    }
}
