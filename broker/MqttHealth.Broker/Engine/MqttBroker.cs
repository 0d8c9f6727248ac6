using System.IO.Pipelines;
using Microsoft.Extensions.Options;
using MqttHealth.Broker.Audit;
using MqttHealth.Broker.Messages;
using MqttHealth.Broker.Observability;
using MqttHealth.Broker.Options;
using MqttHealth.Broker.Routing;
using MqttHealth.Broker.Security.Authentication;
using MqttHealth.Broker.Security.Authorization;
using MqttHealth.Broker.Storage;
using MqttHealth.Mqtt.Packets;
using MqttHealth.Mqtt.Protocol;

namespace MqttHealth.Broker.Engine;

/*
 * The broker engine. One lock (_gate) guards all broker state: sessions, the subscription and retained
 * indexes, queues and in-flight maps. Every critical section is in-memory work of a few microseconds:
 * decoding happens before the lock, socket writes after it (MqttConnection's flush loop), and storage
 * on the StoreWriter's thread. See docs/broker-architecture.md for why one lock and not many.
 *
 * Durability: work that must be durable before the client hears about it (PUBACK/PUBREC to a publisher,
 * CONNACK for a stored session, SUBACK, UNSUBACK, PUBCOMP after a stored QoS 2 id is released) is handed
 * to the StoreWriter with a completion; the completion does the in-memory part (deliver, acknowledge) in
 * commit order. A connection with commits outstanding queues even non-durable acknowledgements behind
 * them, so a client's acknowledgements always leave in the order its packets arrived.
 */
public sealed partial class MqttBroker : IAsyncDisposable
{
    private readonly Lock _gate = new();

    // Reused for every PUBLISH the engine encodes: only under _gate, and Send copies the bytes out before returning.
    private readonly PublishPacket _scratchPublish = new();
    private readonly MqttProperties _scratchProperties = new();
    private readonly BrokerOptions _options;
    private readonly IBrokerStore _store;
    private readonly BrokerMetrics _metrics;
    private readonly ILogger _logger;
    private readonly ILoggerFactory _loggerFactory;
    private readonly TimeProvider _time;
    private readonly ConnectAuthenticator? _authenticator;
    private readonly AuditLog? _audit;
    private readonly PolicyStore? _policy;
    private readonly Dictionary<string, Session> _sessions = new(StringComparer.Ordinal);
    private readonly SubscriptionIndex<Session> _index = new();
    private readonly RetainedMessageIndex _retained = new();
    private readonly HashSet<MqttConnection> _connections = [];
    private readonly TaskCompletionSource _allConnectionsEnded = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private StoreWriter? _writer;
    private ITimer? _sweepTimer;
    private long _lastMessageId;
    private bool _started;
    private bool _stopping;

    /// <remarks>
    /// The authenticator checks CONNECT credentials; without one, every CONNECT with credentials is refused (0x86 /
    /// return code 4). The audit log, when given, receives the security events (see MqttBroker.Audit.cs). The policy,
    /// when given, decides every will, PUBLISH, SUBSCRIBE and delivery (MqttBroker.Authorization.cs); without one,
    /// accepted connections may use every topic not starting with '$'.
    /// </remarks>
    public MqttBroker(IOptions<BrokerOptions> options, IBrokerStore store, BrokerMetrics metrics, ILoggerFactory loggerFactory, TimeProvider timeProvider, ConnectAuthenticator? authenticator = null, AuditLog? audit = null, PolicyStore? policy = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(loggerFactory);
        _options = options.Value;
        _store = store;
        _metrics = metrics;
        _loggerFactory = loggerFactory;
        _logger = loggerFactory.CreateLogger<MqttBroker>();
        _time = timeProvider;
        _authenticator = authenticator;
        _audit = audit;
        _policy = policy;
    }

    /// <summary>True once <see cref="Start"/> has loaded the stored state and until shutdown begins.</summary>
    public bool IsRunning
    {
        get
        {
            lock (_gate)
            {
                return _started && !_stopping;
            }
        }
    }

    private long NowUnixMs => _time.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>Loads the stored state (throws <see cref="BrokerStoreException"/> on a corrupt database) and starts timers.</summary>
    public void Start()
    {
        if (_policy is null)
        {
            BrokerLog.NoPolicy(_logger);
        }
        else
        {
            BrokerLog.PolicyEnforced(_logger, _policy.Current.Policy.Source, _policy.Current.Policy.Roles.Count);
            RememberPolicyFile();
        }

        var state = _store.Load();
        lock (_gate)
        {
            if (_started)
            {
                throw new InvalidOperationException("The broker is already started.");
            }

            Restore(state);
            RestoreGrants();
            if (_store.IsDurable)
            {
                _writer = new StoreWriter(_store, _loggerFactory.CreateLogger<StoreWriter>());
            }

            _started = true;
        }

        _sweepTimer = _time.CreateTimer(static b => ((MqttBroker)b!).Sweep(), this, SweepInterval, SweepInterval);
        BrokerLog.Started(_logger, state.Sessions.Count, state.Retained.Count, _store.IsDurable ? "durable" : "in-memory");
    }

    /// <summary>
    /// Runs one MQTT connection until it ends. The listener's transport must not be used by anyone else
    /// meanwhile. The connection ends when the client's data ends (or the broker closes it): packets a
    /// client sent just before closing its socket, a PUBLISH and a DISCONNECT say, are still processed.
    /// </summary>
    public async Task HandleConnectionAsync(IDuplexPipe transport, MqttTransportInfo info)
    {
        ArgumentNullException.ThrowIfNull(transport);
        ArgumentNullException.ThrowIfNull(info);
        using var connection = new MqttConnection(this, transport, info, _metrics);
        bool refused = false;
        lock (_gate)
        {
            if (!_started || _stopping)
            {
                refused = true;
            }
            else
            {
                _connections.Add(connection);
            }
        }

        if (refused)
        {
            BrokerLog.ConnectionRefusedNotRunning(_logger, info.ConnectionId, info.Transport);
            return;
        }

        BrokerLog.ConnectionOpened(_logger, info.ConnectionId, info.Transport, info.RemoteEndPoint);

        await connection.RunAsync(_options.MaximumPacketSize).ConfigureAwait(false);
    }

    /// <summary>Stops taking connections and tells MQTT 5 clients DISCONNECT 0x8B (Server shutting down), then closes them all.</summary>
    public void BeginShutdown()
    {
        lock (_gate)
        {
            if (_stopping)
            {
                return;
            }

            _stopping = true;
            BrokerLog.ShuttingDown(_logger, _connections.Count);
            if (_connections.Count == 0)
            {
                _allConnectionsEnded.TrySetResult();
            }

            foreach (var connection in _connections)
            {
                connection.Close(Mqtt.Protocol.ReasonCode.ServerShuttingDown, "server shutting down");
            }
        }
    }

    /// <summary>
    /// Waits (within <paramref name="cancellationToken"/>) for connections to end, then for storage to be
    /// flushed, so everything acknowledged is durable, and releases it.
    /// </summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        BeginShutdown();
        if (_sweepTimer is not null)
        {
            await _sweepTimer.DisposeAsync().ConfigureAwait(false);
        }

        try
        {
            await _allConnectionsEnded.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            BrokerLog.ShutdownConnectionsLingering(_logger);
        }

        StoreWriter? writer;
        lock (_gate)
        {
            // From here on nothing new is written; a connection still ending only updates memory.
            writer = _writer;
            _writer = null;
        }

        if (writer is not null)
        {
            await writer.FlushAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
            await writer.DisposeAsync().ConfigureAwait(false);
            BrokerLog.StorageFlushed(_logger, writer.Commits);
        }

        _store.Dispose();
    }

    /// <summary>Publishes a broker-generated message ($SYS/...) as QoS 0 to matching subscribers; retained ones are kept in memory only.</summary>
    public void PublishSystemMessage(string topic, ReadOnlyMemory<byte> payload, bool retain)
    {
        lock (_gate)
        {
            if (!_started || _stopping)
            {
                return;
            }

            var message = new BrokerMessage(++_lastMessageId, topic, payload, Mqtt.Protocol.QualityOfService.AtMostOnce, retain, publisherClientId: null);
            if (retain)
            {
                // Kept apart from the retained-messages gauge, which counts what clients retained.
                _retained.Set(message);
            }

            if (RouteLocked(message, publisher: null, ops: null).Deliveries is { } routed)
            {
                HandOverLocked(routed);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_sweepTimer is not null)
        {
            await _sweepTimer.DisposeAsync().ConfigureAwait(false);
        }

        if (_writer is not null)
        {
            await _writer.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Rebuilds sessions, subscriptions, queues and retained messages from storage (start-up only).</summary>
    private void Restore(StoredBrokerState state)
    {
        _lastMessageId = state.MaxMessageId;
        long now = NowUnixMs;
        foreach (var stored in state.Sessions)
        {
            var session = new Session(stored.ClientId)
            {
                ProtocolVersion = stored.ProtocolVersion,
                ExpiryInterval = stored.SessionExpiryInterval,
                IsDurable = true,

                // Null for a session stored before owners were (schema version 1): its next CONNECT claims it.
                Owner = stored.Owner,

                // A session stored as connected was connected when the broker stopped: its clock starts now.
                DisconnectedAtUnixMs = stored.DisconnectedAtUnixMs ?? now,
            };
            foreach (var sub in stored.Subscriptions)
            {
                var entry = ToEntry(session, sub.TopicFilter, new Mqtt.Packets.MqttSubscription(sub.TopicFilter, sub.MaximumQoS, sub.NoLocal, sub.RetainAsPublished, sub.RetainHandling), sub.SubscriptionIdentifier);
                session.Subscriptions[sub.TopicFilter] = entry;
                try
                {
                    _index.Subscribe(entry);
                }
                catch (ArgumentException ex)
                {
                    throw new BrokerStoreException(
                        $"The stored subscription '{sub.TopicFilter}' of client '{stored.ClientId}' is not a valid topic filter ({ex.Message}). "
                        + "The broker refuses to start rather than drop it; run 'mqtthealth-broker recover --data <dir>'.",
                        ex);
                }
            }

            foreach (var d in stored.Deliveries)
            {
                var delivery = new Delivery(d.Sequence, d.Message, d.QoS, d.Retain, d.SubscriptionIdentifiers as uint[] ?? [.. d.SubscriptionIdentifiers])
                {
                    State = d.State,
                    PacketId = d.PacketId,
                };
                if (d.State == DeliveryState.Queued)
                {
                    session.Queue.AddLast(delivery);
                }
                else
                {
                    session.Inflight[d.PacketId] = delivery;
                }

                session.NextSequence = Math.Max(session.NextSequence, d.Sequence + 1);
            }

            _metrics.QueuedChanged(stored.Deliveries.Count);
            foreach (var id in stored.InboundQos2PacketIds)
            {
                session.InboundQos2.Add(id);
            }

            _sessions[session.ClientId] = session;
        }

        _metrics.SessionsChanged(_sessions.Count);
        foreach (var message in state.Retained)
        {
            _retained.Set(message);
        }

        _metrics.RetainedChanged(state.Retained.Count);
    }
}
