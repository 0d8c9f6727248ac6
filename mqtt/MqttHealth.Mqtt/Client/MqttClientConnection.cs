using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.IO.Pipelines;
using System.Net.Security;
using System.Net.Sockets;
using MqttHealth.Mqtt.Codec;
using MqttHealth.Mqtt.Packets;
using MqttHealth.Mqtt.Protocol;

namespace MqttHealth.Mqtt.Client;

/// <summary>
/// One network connection of <see cref="MqttClient"/>: the socket (or TLS stream), the receive
/// <see cref="PipeReader"/>, and the send path, plus the state that lives exactly as long as the connection
/// (negotiated limits, topic alias maps, keep alive clocks).
/// <para>
/// Send path: every packet is encoded under one async lock into an in-memory <see cref="Pipe"/>; a single send
/// loop copies whatever has accumulated to the socket. While the socket is busy, packets pile up in the pipe and
/// leave together in the next write, so flushing is batched without any timer. The pipe's pause threshold
/// bounds the memory: a writer past it waits for the socket (backpressure).
/// </para>
/// </summary>
[SuppressMessage(
    "Design",
    "CA1001:Types that own disposable fields should be disposable",
    Justification = "The semaphore never creates its wait handle and the token source has no timer: nothing unmanaged to free, and disposing them would race with late writers and token readers.")]
internal sealed class MqttClientConnection
{
    private const int ReceiveBufferSize = 64 * 1024;

    private static readonly PipeOptions OutputOptions = new(
        pauseWriterThreshold: 1024 * 1024,
        resumeWriterThreshold: 512 * 1024,
        minimumSegmentSize: 16 * 1024,
        useSynchronizationContext: false);

    private readonly Stream _stream;
    private readonly Pipe _output = new(OutputOptions);
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly CancellationTokenSource _cts = new();
    private readonly Action<MqttClientConnection, Exception> _onSendFault;
    private readonly TaskCompletionSource _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    // Reused under the write lock: acknowledgements and the alias-only property bag cost no allocation.
    private readonly PubAckPacket _pubAck = new();
    private readonly PubRecPacket _pubRec = new();
    private readonly PubRelPacket _pubRel = new();
    private readonly PubCompPacket _pubComp = new();
    private readonly MqttProperties _aliasOnly = new();

    private Task _sendLoop = Task.CompletedTask;
    private volatile bool _closing;
    private bool _outputCompleted;
    private int _closeStarted;
    private long _lastSent;
    private long _lastReceived;
    private long _pingSentAt;

    private MqttClientConnection(Stream stream, MqttProtocolVersion version, Action<MqttClientConnection, Exception> onSendFault)
    {
        _stream = stream;
        Version = version;
        _onSendFault = onSendFault;
        Input = PipeReader.Create(stream, new StreamPipeReaderOptions(bufferSize: ReceiveBufferSize, minimumReadSize: 4096, leaveOpen: true));
        long now = Environment.TickCount64;
        _lastSent = now;
        _lastReceived = now;
    }

    public MqttProtocolVersion Version { get; }

    public PipeReader Input { get; }

    /// <summary>Cancelled when the connection closes: ends the receive and keep alive loops.</summary>
    public CancellationToken Token => _cts.Token;

    public bool IsClosing => _closing;

    /// <summary>Completes when <see cref="CloseAsync"/> has finished.</summary>
    public Task Closed => _closed.Task;

    /// <summary>The largest packet this client accepts (our Maximum Packet Size).</summary>
    public int MaximumIncomingPacketSize { get; set; } = MqttClient.ProtocolMaximumPacketSize;

    /// <summary>The largest packet the server accepts (its Maximum Packet Size).</summary>
    public int ServerMaximumPacketSize { get; set; } = MqttClient.ProtocolMaximumPacketSize;

    public QualityOfService MaximumQoS { get; set; } = QualityOfService.ExactlyOnce;

    public bool RetainAvailable { get; set; } = true;

    public bool WildcardSubscriptionAvailable { get; set; } = true;

    public bool SubscriptionIdentifiersAvailable { get; set; } = true;

    public bool SharedSubscriptionAvailable { get; set; } = true;

    /// <summary>Our Receive Maximum (5.0): incoming QoS 1 and 2 messages the server may leave unacknowledged.</summary>
    public int ReceiveMaximum { get; set; } = int.MaxValue;

    public ushort KeepAliveSeconds { get; set; }

    public OutgoingTopicAliases? OutgoingAliases { get; set; }

    /// <summary>Topics the server mapped to aliases 1..maximum; null when we accept no aliases.</summary>
    public string?[]? IncomingAliases { get; set; }

    /// <summary>Messages of a resumed session that did not fit in the server's Receive Maximum yet. Guarded by the client's lock.</summary>
    public Queue<OutgoingPublish> ResendBacklog { get; } = new();

    /// <summary>Set when the connection became the client's current connection (after a successful CONNACK).</summary>
    public bool Activated { get; set; }

    /// <summary>Completed with the reason when this connection ends.</summary>
    public TaskCompletionSource<MqttClientDisconnectedEventArgs>? Disconnection { get; set; }

    public Task ReceiveLoop { get; set; } = Task.CompletedTask;

    public Task KeepAliveLoop { get; set; } = Task.CompletedTask;

    /// <summary>The receive loop waits for the application to take a message: the socket is deliberately not read.</summary>
    public bool ReceivePaused { get; set; }

    public long LastSent => Volatile.Read(ref _lastSent);

    public long LastReceived => Volatile.Read(ref _lastReceived);

    /// <summary>When the outstanding PINGREQ was sent; 0 when none is outstanding.</summary>
    public long PingSentAt
    {
        get => Volatile.Read(ref _pingSentAt);
        set => Volatile.Write(ref _pingSentAt, value);
    }

    /// <summary>Opens TCP (and TLS) to the server and starts the send loop.</summary>
    public static async Task<MqttClientConnection> OpenAsync(
        MqttClientOptions options,
        Action<MqttClientConnection, Exception> onSendFault,
        CancellationToken cancellationToken)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        Stream stream;
        try
        {
            await socket.ConnectAsync(options.Host, options.Port, cancellationToken).ConfigureAwait(false);
            stream = new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        if (options.Tls is { } tls)
        {
            var ssl = new SslStream(stream, leaveInnerStreamOpen: false);
            try
            {
                await ssl.AuthenticateAsClientAsync(
                    new SslClientAuthenticationOptions
                    {
                        TargetHost = tls.TargetHost ?? options.Host,
                        RemoteCertificateValidationCallback = tls.RemoteCertificateValidationCallback,
                        ClientCertificates = tls.ClientCertificates,
                        EnabledSslProtocols = tls.EnabledSslProtocols,
                        CertificateRevocationCheckMode = tls.CertificateRevocationCheckMode,
                    },
                    cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                await ssl.DisposeAsync().ConfigureAwait(false);
                throw;
            }

            stream = ssl;
        }

        var connection = new MqttClientConnection(stream, options.ProtocolVersion, onSendFault);
        connection._sendLoop = Task.Run(connection.SendLoopAsync, CancellationToken.None);
        return connection;
    }

    public void MarkReceived()
    {
        Volatile.Write(ref _lastReceived, Environment.TickCount64);
        Volatile.Write(ref _pingSentAt, 0);
    }

    /// <summary>Encodes and flushes one packet.</summary>
    public async ValueTask SendAsync(MqttPacket packet, CancellationToken cancellationToken = default)
    {
        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            WriteLocked(packet);
            await FlushLockedAsync().ConfigureAwait(false);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>Sends PUBACK, PUBREC, PUBREL or PUBCOMP from a reused instance.</summary>
    public async ValueTask SendAckAsync(MqttPacketType type, ushort packetId, ReasonCode reasonCode)
    {
        await _writeLock.WaitAsync().ConfigureAwait(false);
        try
        {
            WriteAckLocked(type, packetId, reasonCode);
            await FlushLockedAsync().ConfigureAwait(false);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    public async ValueTask SendPublishAsync(PublishPacket packet, int packetSize, bool dup, CancellationToken cancellationToken = default)
    {
        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            WritePublishLocked(packet, packetSize, dup);
            await FlushLockedAsync().ConfigureAwait(false);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>Takes the write lock for a sequence of writes that must not interleave with others (session resend).</summary>
    public Task AcquireWriteLockAsync() => _writeLock.WaitAsync();

    public void ReleaseWriteLock() => _writeLock.Release();

    public void WriteLocked(MqttPacket packet)
    {
        ThrowIfClosing();
        MqttPacketEncoder.Encode(packet, Version, _output.Writer);
        Volatile.Write(ref _lastSent, Environment.TickCount64);
    }

    public void WriteAckLocked(MqttPacketType type, ushort packetId, ReasonCode reasonCode)
    {
        PublishAcknowledgementPacket ack = type switch
        {
            MqttPacketType.PubAck => _pubAck,
            MqttPacketType.PubRec => _pubRec,
            MqttPacketType.PubRel => _pubRel,
            _ => _pubComp,
        };
        ack.PacketId = packetId;
        ack.ReasonCode = Version == MqttProtocolVersion.V500 ? reasonCode : ReasonCode.Success;
        WriteLocked(ack);
    }

    /// <summary>
    /// Writes a PUBLISH, applying a topic alias when the server allows them (see <see cref="OutgoingTopicAliases"/>).
    /// The alias is set on the packet only while it is encoded, so the stored message keeps its full topic for a
    /// resend on another connection, whose aliases start empty [MQTT-3.3.2-7]. The caller's property bag is never
    /// modified: a copy carries the alias.
    /// </summary>
    public void WritePublishLocked(PublishPacket packet, int packetSize, bool dup)
    {
        ThrowIfClosing();
        packet.Dup = dup;
        string topic = packet.Topic;
        MqttProperties? properties = packet.Properties;
        bool newAlias = false;
        OutgoingTopicAliases? aliases = OutgoingAliases;

        // An alias adds 3 bytes (identifier + two-byte value) to the first packet of a topic.
        if (aliases is not null && packetSize + 3 <= ServerMaximumPacketSize)
        {
            ushort alias = aliases.GetOrAdd(topic, out newAlias);
            if (alias != 0)
            {
                MqttProperties withAlias = properties is null ? _aliasOnly : CopyPublishProperties(properties);
                withAlias.TopicAlias = alias;
                packet.Properties = withAlias;
                if (!newAlias)
                {
                    packet.Topic = string.Empty;
                }
            }
            else
            {
                newAlias = false;
            }
        }

        try
        {
            MqttPacketEncoder.EncodePublish(packet, Version, _output.Writer);
        }
        catch
        {
            if (newAlias)
            {
                aliases!.Remove(topic);
            }

            throw;
        }
        finally
        {
            packet.Topic = topic;
            packet.Properties = properties;
        }

        Volatile.Write(ref _lastSent, Environment.TickCount64);
    }

    public async ValueTask FlushLockedAsync()
    {
        FlushResult result = await _output.Writer.FlushAsync().ConfigureAwait(false);
        if (result.IsCompleted)
        {
            throw ClosedException();
        }
    }

    /// <summary>Claims the right to close this connection; only the first caller gets true.</summary>
    public bool TryBeginClose() => Interlocked.Exchange(ref _closeStarted, 1) == 0;

    /// <summary>
    /// Closes the connection: writes <paramref name="finalPacket"/> (a DISCONNECT) when given and waits up to
    /// <paramref name="timeout"/> for it to reach the socket, then closes the socket.
    /// </summary>
    public async Task CloseAsync(MqttPacket? finalPacket, TimeSpan timeout)
    {
        _closing = true;
        try
        {
            if (finalPacket is not null && await _writeLock.WaitAsync(timeout).ConfigureAwait(false))
            {
                try
                {
                    if (!_outputCompleted)
                    {
                        MqttPacketEncoder.Encode(finalPacket, Version, _output.Writer);
                        _outputCompleted = true;

                        // Completing the writer commits what was written; the send loop drains it and ends.
                        await _output.Writer.CompleteAsync().ConfigureAwait(false);
                    }
                }
                finally
                {
                    _writeLock.Release();
                }

                try
                {
                    await _sendLoop.WaitAsync(timeout).ConfigureAwait(false);
                }
                catch (TimeoutException)
                {
                    // The peer does not read: give up on the DISCONNECT and close.
                }
            }
        }
        finally
        {
            Abort();
            if (await _writeLock.WaitAsync(timeout).ConfigureAwait(false))
            {
                try
                {
                    if (!_outputCompleted)
                    {
                        _outputCompleted = true;
                        await _output.Writer.CompleteAsync().ConfigureAwait(false);
                    }
                }
                finally
                {
                    _writeLock.Release();
                }
            }

            _closed.TrySetResult();
        }
    }

    /// <summary>Closes the socket at once; pending reads and writes fail.</summary>
    public void Abort()
    {
        _closing = true;
        _cts.Cancel();
        _stream.Dispose();
    }

    private static MqttClientException ClosedException() =>
        new(MqttClientErrorKind.ConnectionLost, "The connection to the MQTT server is closed.");

    private static MqttProperties CopyPublishProperties(MqttProperties source)
    {
        var copy = new MqttProperties
        {
            PayloadFormatIndicator = source.PayloadFormatIndicator,
            MessageExpiryInterval = source.MessageExpiryInterval,
            ContentType = source.ContentType,
            ResponseTopic = source.ResponseTopic,
            CorrelationData = source.CorrelationData,
        };
        if (source.UserPropertyList is { Count: > 0 } userProperties)
        {
            foreach (MqttUserProperty property in userProperties)
            {
                copy.UserProperties.Add(property);
            }
        }

        return copy;
    }

    private void ThrowIfClosing()
    {
        if (_closing)
        {
            throw ClosedException();
        }
    }

    private async Task SendLoopAsync()
    {
        PipeReader reader = _output.Reader;
        Exception? error = null;
        try
        {
            while (true)
            {
                ReadResult result = await reader.ReadAsync().ConfigureAwait(false);
                ReadOnlySequence<byte> buffer = result.Buffer;
                foreach (ReadOnlyMemory<byte> segment in buffer)
                {
                    await _stream.WriteAsync(segment).ConfigureAwait(false);
                }

                reader.AdvanceTo(buffer.End);
                if (result.IsCompleted || result.IsCanceled)
                {
                    break;
                }
            }
        }
        catch (Exception ex)
        {
            // Whatever stops the socket (reset, dispose, TLS failure) ends the connection; it must not die unobserved.
            error = ex;
        }

        // Read the flag before completing the reader: a writer that then sees the pipe completed is not closing it.
        bool closing = _closing;
        await reader.CompleteAsync(error).ConfigureAwait(false);
        if (error is not null && !closing)
        {
            _onSendFault(this, error);
        }
    }
}
