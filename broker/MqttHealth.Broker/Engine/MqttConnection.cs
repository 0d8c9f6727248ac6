using System.IO.Pipelines;
using MqttHealth.Broker.Messages;
using MqttHealth.Broker.Observability;
using MqttHealth.Mqtt.Codec;
using MqttHealth.Mqtt.Packets;
using MqttHealth.Mqtt.Protocol;

namespace MqttHealth.Broker.Engine;

/*
 * One network connection. Two loops:
 *
 *  - the read loop (RunAsync) frames and decodes packets and hands each to the engine, which handles it
 *    under its lock. It never waits for storage: durable work completes later on the store writer's
 *    thread, in order.
 *  - the flush loop writes what the engine has encoded. Send() encodes into a pending buffer under a small
 *    lock and wakes the flush loop, which swaps buffers and writes the whole batch at once; so the engine
 *    never waits on a slow socket, and many packets leave in one write under load.
 *
 * Close() stops the read loop and lets the flush loop write what is pending (a DISCONNECT, say) before
 * the transport is completed.
 */
internal sealed class MqttConnection : IDisposable
{
    private const int SlowConsumerBytes = 8 * 1024 * 1024;

    private readonly IDuplexPipe _transport;
    private readonly MqttBroker _broker;
    private readonly BrokerMetrics _metrics;
    private readonly Lock _writeLock = new();
    private readonly SemaphoreSlim _flushSignal = new(0);
    private readonly CancellationTokenSource _closed = new();
    private SendBuffer _pending = new();
    private SendBuffer _spare = new();
    private Dictionary<ushort, string>? _inboundAliases;
    private Dictionary<string, ushort>? _outboundAliases;
    private bool _flushScheduled;
    private bool _closeRequested;

    public MqttConnection(MqttBroker broker, IDuplexPipe transport, MqttTransportInfo info, BrokerMetrics metrics)
    {
        _broker = broker;
        _transport = transport;
        _metrics = metrics;
        Info = info;
    }

    public MqttTransportInfo Info { get; }

    // ---- state set by the engine under its lock ----
    public ConnectionState State { get; set; }

    public MqttProtocolVersion Version { get; set; } = MqttProtocolVersion.V500;

    public string ClientId { get; set; } = string.Empty;

    public Session? Session { get; set; }

    /// <summary>Who the connection acts for: set when its CONNECT is accepted (anonymous or authenticated), null before.</summary>
    public Security.Principal? Principal { get; set; }

    /// <summary>When the connection's credentials stop being valid (a token's expiry, a certificate's end of validity); the sweep closes it then. Null: never.</summary>
    public DateTimeOffset? CredentialsExpireAt { get; set; }

    /// <summary>The MQTT 5 Authentication Method the connection authenticated with (enhanced authentication), or null; AUTH is only allowed with it [MQTT-4.12.0-7].</summary>
    public string? AuthenticationMethod { get; set; }

    /// <summary>Broker:Limits rates (null when off): PUBLISH packets and bytes a second.</summary>
    public TokenBucket? MessageRate { get; set; }

    public TokenBucket? ByteRate { get; set; }

    /// <summary>The topic policy compiled for this principal and client id; null when the broker has no policy.</summary>
    public Security.Authorization.CompiledPolicy? Policy { get; set; }

    /// <summary>The <see cref="Security.Authorization.PolicySnapshot.Version"/> <see cref="Policy"/> was compiled from.</summary>
    public long PolicyVersion { get; set; }

    /// <summary>
    /// Audit records the engine produced for this connection's own packets, under its lock; the read loop writes them
    /// to the trail after the packet, outside the lock, waiting if the trail's queue is full (backpressure, no loss).
    /// Only touched by this connection's read loop and the engine while it handles this connection's packets.
    /// </summary>
    public List<Audit.AuditRecord>? PendingAudit { get; set; }

    /// <summary>A PUBLISH to a control topic the engine took under its lock; the read loop hands it to <see cref="MqttBroker.OnControlAsync"/> after the packet.</summary>
    public ControlPublish? PendingControl { get; set; }

    /// <summary>The Session Expiry Interval the CONNECT asked for (before any cap); DISCONNECT may not raise it from 0 [MQTT-3.14.2-2].</summary>
    public uint ConnectSessionExpiryInterval { get; set; }

    /// <summary>Effective keep alive in seconds (the client's, or the Server Keep Alive); 0 = none.</summary>
    public ushort KeepAliveSeconds { get; set; }

    /// <summary>Environment.TickCount64 when the last packet arrived (keep alive).</summary>
    public long LastReceivedTicks { get; set; } = Environment.TickCount64;

    /// <summary>The client's Receive Maximum: our QoS 1/2 PUBLISHes it allows unacknowledged.</summary>
    public int ClientReceiveMaximum { get; set; } = ushort.MaxValue;

    /// <summary>The client's Maximum Packet Size; larger PUBLISHes are not sent to it [MQTT-3.1.2-25].</summary>
    public int ClientMaximumPacketSize { get; set; } = MqttFrameReader.MaxRemainingLength + 5;

    public ushort ClientTopicAliasMaximum { get; set; }

    public bool RequestProblemInformation { get; set; } = true;

    /// <summary>Topic aliases the client set up towards us (created on first use: most connections never have one).</summary>
    public Dictionary<ushort, string> InboundAliases => _inboundAliases ??= [];

    /// <summary>Topic aliases we assigned towards the client (created on first use).</summary>
    public Dictionary<string, ushort> OutboundAliases => _outboundAliases ??= new(StringComparer.Ordinal);

    /// <summary>Drops the aliases we assigned (they belong to one network connection [MQTT-3.3.2-7]).</summary>
    public void ForgetOutboundAliases() => _outboundAliases = null;

    /// <summary>QoS 1/2 PUBLISHes received and not yet completed (PUBACK / PUBCOMP sent); checked against our Receive Maximum.</summary>
    public int InboundUnacknowledged { get; set; }

    /// <summary>Storage commits this connection is waiting for; while any are, later acknowledgements queue behind them.</summary>
    public int PendingDurable { get; set; }

    public BrokerMessage? Will { get; set; }

    public uint WillDelayInterval { get; set; }

    public uint? WillExpiryInterval { get; set; }

    /// <summary>Set on DISCONNECT 0x00 (or a 3.1.1 DISCONNECT): the will is discarded [MQTT-3.1.2-10].</summary>
    public bool WillDiscarded { get; set; }

    /// <summary>Why the broker is closing the connection (for the log); null for a client-side close.</summary>
    public string? CloseReason { get; set; }

    /// <summary>True while the connection is counted in the connected-clients gauge.</summary>
    public bool Counted { get; set; }

    /// <summary>CONNACK has been sent: PUBLISHes may follow [MQTT-3.2.0-1].</summary>
    public bool ConnAckSent { get; set; }

    public bool IsClosing => _closed.IsCancellationRequested;

    /// <summary>Fires when the connection is closed (by the engine, the CONNECT timeout or shutdown).</summary>
    public CancellationToken ClosedToken => _closed.Token;

    public int PendingBytes
    {
        get
        {
            lock (_writeLock)
            {
                return _pending.WrittenCount;
            }
        }
    }

    /// <summary>True when this consumer is so far behind that QoS 0 messages to it are dropped.</summary>
    public bool IsSlowConsumer => PendingBytes > SlowConsumerBytes;

    /// <summary>Encodes <paramref name="packet"/> for sending. Never blocks on the network. Returns the encoded size (0 when closing).</summary>
    public int Send(MqttPacket packet)
    {
        int size;
        lock (_writeLock)
        {
            if (_closeRequested)
            {
                return 0;
            }

            size = MqttPacketEncoder.Encode(packet, Version, _pending);
            if (!_flushScheduled)
            {
                _flushScheduled = true;
                _flushSignal.Release();
            }
        }

        _metrics.BytesSentAdd(size);
        return size;
    }

    /// <summary>Sends DISCONNECT (MQTT 5 only, and only once connected) and closes after it is written.</summary>
    public void Close(ReasonCode? disconnectReason = null, string? reason = null)
    {
        if (disconnectReason is { } code && Version == MqttProtocolVersion.V500 && State == ConnectionState.Connected && !_closeRequested)
        {
            var properties = reason is not null && RequestProblemInformation ? new MqttProperties { ReasonString = reason } : null;
            var disconnect = new DisconnectPacket { ReasonCode = code, Properties = properties };
            if (properties is not null && MqttPacketEncoder.GetPacketSize(disconnect, Version) > ClientMaximumPacketSize)
            {
                disconnect.Properties = null; // the Reason String only if it fits [MQTT-3.14.2-3]
            }

            Send(disconnect);
        }

        CloseReason ??= reason;
        lock (_writeLock)
        {
            if (!_closeRequested)
            {
                _closeRequested = true;
                _flushSignal.Release(); // let the flush loop write what is pending, then end
            }
        }

        State = ConnectionState.Closing;
        if (!_closed.IsCancellationRequested)
        {
            // Also when the flush loop already ended (the peer stopped reading): stop the read loop.
            _closed.Cancel();
            _transport.Input.CancelPendingRead();
        }
    }

    public async Task RunAsync(int maximumPacketSize)
    {
        // Kestrel's ConnectionClosed is deliberately not used to stop reading: it fires when the client's
        // FIN arrives, possibly before the packets sent ahead of it are read. The read loop ends on the
        // pipe's completion instead, after every buffered frame.
        var flushing = FlushLoopAsync();
        try
        {
            await ReadLoopAsync(maximumPacketSize).ConfigureAwait(false);
        }
        finally
        {
            _broker.OnConnectionEnded(this);
            Close();
            await flushing.ConfigureAwait(false);
            await _broker.AuditDisconnectAsync(this).ConfigureAwait(false);
            await _transport.Input.CompleteAsync().ConfigureAwait(false);
        }
    }

    public void Dispose()
    {
        _closed.Dispose();
        _flushSignal.Dispose();
    }

    private async Task ReadLoopAsync(int maximumPacketSize)
    {
        var input = _transport.Input;
        while (!_closed.IsCancellationRequested)
        {
            ReadResult result;
            try
            {
                result = await input.ReadAsync().ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is IOException or ObjectDisposedException or OperationCanceledException or System.Net.Sockets.SocketException or Microsoft.AspNetCore.Connections.ConnectionResetException)
            {
                CloseReason ??= "transport error: " + ex.Message;
                return;
            }

            var buffer = result.Buffer;
            try
            {
                while (!_closed.IsCancellationRequested && MqttFrameReader.TryReadFrame(ref buffer, maximumPacketSize, out var frame))
                {
                    LastReceivedTicks = Environment.TickCount64;
                    _metrics.BytesReceivedAdd(frame.PacketSize);
                    if (State == ConnectionState.AwaitingConnect)
                    {
                        // The CONNECT's credentials are checked here, awaited, before the engine takes its lock
                        // (a password check costs ~100 ms of CPU). The buffer is held meanwhile: packets sent
                        // right behind the CONNECT are handled after it, in order.
                        var connect = MqttBroker.DecodeConnect(frame);
                        await _broker.OnConnectAsync(this, connect).ConfigureAwait(false);
                        continue;
                    }

                    if (frame.Type == MqttPacketType.Auth && State == ConnectionState.Connected)
                    {
                        // Re-authentication checks a token: awaited here, outside the engine lock, like a CONNECT's credentials.
                        var auth = MqttBroker.DecodeAuth(this, frame);
                        await _broker.OnAuthAsync(this, auth).ConfigureAwait(false);
                        continue;
                    }

                    _broker.OnFrame(this, frame);
                    if (PendingAudit is { Count: > 0 })
                    {
                        await _broker.WritePendingAuditAsync(this).ConfigureAwait(false);
                    }

                    if (PendingControl is not null)
                    {
                        await _broker.OnControlAsync(this).ConfigureAwait(false);
                    }
                }
            }
            catch (MqttProtocolException ex)
            {
                _broker.OnProtocolError(this, ex);
                input.AdvanceTo(buffer.Start, buffer.End);
                return;
            }

            input.AdvanceTo(buffer.Start, buffer.End);
            if (result.IsCompleted || result.IsCanceled)
            {
                if (result.IsCompleted)
                {
                    CloseReason ??= "client closed the connection";
                }

                return;
            }
        }
    }

    private async Task FlushLoopAsync()
    {
        var output = _transport.Output;
        try
        {
            while (true)
            {
                await _flushSignal.WaitAsync().ConfigureAwait(false);
                SendBuffer batch;
                bool closing;
                lock (_writeLock)
                {
                    batch = _pending;
                    _pending = _spare;
                    _spare = batch;
                    _flushScheduled = false;
                    closing = _closeRequested;
                }

                if (batch.WrittenCount > 0)
                {
                    var flush = await output.WriteAsync(batch.WrittenMemory).ConfigureAwait(false);

                    // The transport has its own copy: the array goes back to the pool, so a connection that falls
                    // idle holds none (the other buffer has none either unless packets came in meanwhile).
                    batch.Release();
                    if (flush.IsCompleted || flush.IsCanceled)
                    {
                        break;
                    }
                }

                if (closing)
                {
                    break;
                }
            }
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or OperationCanceledException or InvalidOperationException or System.Net.Sockets.SocketException or Microsoft.AspNetCore.Connections.ConnectionResetException)
        {
            // The peer stopped reading or went away. Nothing more can be sent, but what it sent before
            // (a DISCONNECT after its last PUBLISH, say) is still read: the read loop ends on its own.
        }
        finally
        {
            lock (_writeLock)
            {
                _closeRequested = true;
            }

            await output.CompleteAsync().ConfigureAwait(false);
        }
    }
}
