using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Threading.Channels;
using MqttHealth.Mqtt.Codec;
using MqttHealth.Mqtt.Packets;
using MqttHealth.Mqtt.Protocol;
using MqttHealth.Mqtt.Topics;

namespace MqttHealth.Mqtt.Client;

/// <summary>
/// An asynchronous MQTT 3.1.1 and 5.0 client. The policies (inflight window, backpressure, topic aliases,
/// reconnect and session resume, errors) are described in docs/mqtt-client.md.
/// <para>
/// State: the <em>session</em> (outgoing QoS 1/2 messages not yet completed, incoming QoS 2 packet identifiers
/// not yet released, Packet Identifiers in use) belongs to the client and outlives a connection when the
/// session is resumable (5.0: Session Expiry Interval above 0; 3.1.1: Clean Session 0). Everything negotiated
/// (limits, topic aliases, keep alive) belongs to a <see cref="MqttClientConnection"/>. One lock guards the
/// session; no code awaits while holding it, and completion sources run their continuations asynchronously,
/// so application code never runs inside it or on the receive loop.
/// </para>
/// </summary>
public sealed class MqttClient : IAsyncDisposable
{
    /// <summary>The largest packet MQTT can express: 1 + 4 header bytes + 268,435,455.</summary>
    internal const int ProtocolMaximumPacketSize = MqttFrameReader.MaxRemainingLength + 5;

    private static readonly TimeSpan CloseTimeout = TimeSpan.FromSeconds(3);

    private readonly Lock _sync = new();
    private readonly SemaphoreSlim _connectGate = new(1, 1);
    private readonly CancellationTokenSource _disposeCts = new();
    private readonly Channel<MqttApplicationMessage> _messages;
    private readonly Dictionary<ushort, OutgoingPublish> _outgoing = [];
    private readonly Dictionary<ushort, PendingRequest> _requests = [];
    private readonly HashSet<ushort> _incomingQos2 = [];
    private readonly PacketIdentifierPool _packetIds = new();
    private readonly Queue<TaskCompletionSource> _windowWaiters = new();

    private volatile MqttClientConnection? _connection;
    private TaskCompletionSource<MqttClientDisconnectedEventArgs> _disconnection = NewDisconnection();
    private MqttClientConnectResult? _lastConnect;
    private string? _assignedClientId;
    private bool _sessionResumable;
    private int _inflightCount;
    private int _inflightLimit = ushort.MaxValue;
    private long _sequence;
    private volatile bool _disposed;

    public MqttClient(MqttClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.ReceivedMessageCapacity, 1, nameof(options));
        Options = options;
        _messages = Channel.CreateBounded<MqttApplicationMessage>(new BoundedChannelOptions(options.ReceivedMessageCapacity)
        {
            FullMode = BoundedChannelFullMode.Wait,
            SingleWriter = true,
            SingleReader = false,
            AllowSynchronousContinuations = false,
        });
    }

    /// <summary>Raised once per connection when it ends, whoever ended it. Handlers run on the client's close path: keep them short.</summary>
    public event EventHandler<MqttClientDisconnectedEventArgs>? Disconnected;

    public MqttClientOptions Options { get; }

    public bool IsConnected => _connection is not null;

    /// <summary>The Client Identifier in use: the configured one, or the one the server assigned.</summary>
    public string ClientId => string.IsNullOrEmpty(Options.ClientId) ? _assignedClientId ?? string.Empty : Options.ClientId;

    /// <summary>The last successful CONNACK.</summary>
    public MqttClientConnectResult? LastConnectResult => _lastConnect;

    /// <summary>Outgoing QoS 1 and 2 messages sent (or waiting to be resent) and not yet fully acknowledged.</summary>
    public int InflightCount
    {
        get
        {
            lock (_sync)
            {
                return _outgoing.Count;
            }
        }
    }

    /// <summary>
    /// Messages received from the server, in order, across reconnects; completes when the client is disposed.
    /// Bounded by <see cref="MqttClientOptions.ReceivedMessageCapacity"/>: when it is full the client stops reading
    /// the socket until the application takes a message.
    /// </summary>
    public ChannelReader<MqttApplicationMessage> ReceivedMessages => _messages.Reader;

    /// <summary>Completes with the reason when the current (or, between connections, the last) connection ends.</summary>
    public Task<MqttClientDisconnectedEventArgs> Disconnection
    {
        get
        {
            lock (_sync)
            {
                return _disconnection.Task;
            }
        }
    }

    /// <summary>
    /// Connects and waits for the CONNACK. On a resumed session (Session Present = 1) the unacknowledged QoS 1
    /// and 2 messages of the earlier connection are resent before anything else; with Session Present = 0 they
    /// fail with <see cref="MqttClientErrorKind.SessionLost"/>.
    /// </summary>
    /// <exception cref="MqttClientException">Refused, timed out, network failure or a protocol violation by the server.</exception>
    public async Task<MqttClientConnectResult> ConnectAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        MqttClientOptions options = Options;
        ValidateOptions(options);
        await _connectGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_connection is not null)
            {
                throw new InvalidOperationException("The client is already connected; disconnect first.");
            }

            return await ConnectCoreAsync(options, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _connectGate.Release();
        }
    }

    /// <summary>
    /// Publishes a message. QoS 0 completes when the packet is handed to the send path; QoS 1 on PUBACK; QoS 2
    /// on PUBCOMP. QoS 1 and 2 first wait (asynchronously) for a slot in the inflight window.
    /// </summary>
    /// <param name="topic">Topic Name: not empty, no wildcards.</param>
    /// <param name="payload">Application Message.</param>
    /// <param name="qos">Quality of service.</param>
    /// <param name="retain">RETAIN flag.</param>
    /// <param name="properties">
    /// PUBLISH properties (5.0; ignored on 3.1.1). The bag is read, never modified. It must not carry a Topic Alias
    /// (the client assigns those) or Subscription Identifiers [MQTT-3.3.4-6].
    /// </param>
    /// <param name="cancellationToken">
    /// Cancels the wait for a window slot or for the acknowledgement. A message already sent stays in the session
    /// and its flow still completes in the background.
    /// </param>
    /// <exception cref="MqttClientException">
    /// <see cref="MqttClientErrorKind.PublishRefused"/> for a PUBACK/PUBREC reason code of 0x80 or more;
    /// <see cref="MqttClientErrorKind.LimitExceeded"/> when the packet is larger than the server's Maximum Packet
    /// Size, the QoS above its Maximum QoS, or RETAIN used without Retain Available; connection errors.
    /// </exception>
    public ValueTask<MqttClientPublishResult> PublishAsync(
        string topic,
        ReadOnlyMemory<byte> payload,
        QualityOfService qos = QualityOfService.AtMostOnce,
        bool retain = false,
        MqttProperties? properties = null,
        CancellationToken cancellationToken = default)
    {
        ValidateTopicName(topic);
        if (qos > QualityOfService.ExactlyOnce)
        {
            throw new ArgumentOutOfRangeException(nameof(qos), qos, "QoS must be 0, 1 or 2.");
        }

        if (properties is not null)
        {
            if (properties.TopicAlias is not null)
            {
                throw new ArgumentException("The client assigns Topic Aliases itself (see MqttClientOptions.UseTopicAliases); do not set one.", nameof(properties));
            }

            if (properties.HasSubscriptionIdentifiers)
            {
                throw new ArgumentException("A PUBLISH from a client must not contain a Subscription Identifier [MQTT-3.3.4-6].", nameof(properties));
            }
        }

        ObjectDisposedException.ThrowIf(_disposed, this);
        MqttClientConnection connection = _connection ?? throw NotConnected();
        if (qos > connection.MaximumQoS)
        {
            throw new MqttClientException(
                MqttClientErrorKind.LimitExceeded,
                $"QoS {(int)qos} is above the server's Maximum QoS {(int)connection.MaximumQoS} [MQTT-3.2.2-11]",
                ReasonCode.QoSNotSupported);
        }

        if (retain && !connection.RetainAvailable)
        {
            throw new MqttClientException(
                MqttClientErrorKind.LimitExceeded,
                "The server does not support retained messages (Retain Available = 0) [MQTT-3.2.2-14]",
                ReasonCode.RetainNotSupported);
        }

        var packet = new PublishPacket
        {
            Topic = topic,
            Payload = payload,
            QoS = qos,
            Retain = retain,
            Properties = connection.Version == MqttProtocolVersion.V500 ? properties : null,

            // Placeholder so that the encoder can measure a QoS 1/2 packet; the real id is set when one is allocated.
            PacketId = qos == QualityOfService.AtMostOnce ? (ushort)0 : (ushort)1,
        };
        int size = MqttPacketEncoder.GetPacketSize(packet, connection.Version);
        CheckPacketSize(connection, size, "PUBLISH");
        if (qos == QualityOfService.AtMostOnce)
        {
            ValueTask send = connection.SendPublishAsync(packet, size, dup: false, cancellationToken);
            if (send.IsCompletedSuccessfully)
            {
                send.GetAwaiter().GetResult();
                return new ValueTask<MqttClientPublishResult>(MqttClientPublishResult.AtMostOnce);
            }

            return AwaitAtMostOnceAsync(send);
        }

        return PublishReliableAsync(connection, packet, size, cancellationToken);
    }

    /// <summary>Subscribes to one topic filter with the default options.</summary>
    public Task<MqttClientSubscribeResult> SubscribeAsync(string topicFilter, QualityOfService qos = QualityOfService.AtMostOnce, CancellationToken cancellationToken = default) =>
        SubscribeAsync([new MqttSubscription(topicFilter, qos)], null, cancellationToken);

    /// <summary>
    /// Subscribes to one or more topic filters with their options (No Local, Retain As Published and Retain
    /// Handling are 5.0 only). Returns the SUBACK reason codes, one per filter: a refused filter is a code of 0x80
    /// or more there, not an exception.
    /// </summary>
    /// <param name="subscriptions">Topic filters and options.</param>
    /// <param name="properties">SUBSCRIBE properties (5.0): one Subscription Identifier and User Properties.</param>
    /// <param name="cancellationToken">Cancels the wait for the SUBACK.</param>
    public async Task<MqttClientSubscribeResult> SubscribeAsync(
        IReadOnlyList<MqttSubscription> subscriptions,
        MqttProperties? properties = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(subscriptions);
        if (subscriptions.Count == 0)
        {
            throw new ArgumentException("SUBSCRIBE needs at least one topic filter [MQTT-3.8.3-2].", nameof(subscriptions));
        }

        var list = new List<MqttSubscription>(subscriptions.Count);
        foreach (MqttSubscription subscription in subscriptions)
        {
            ArgumentNullException.ThrowIfNull(subscription, nameof(subscriptions));
            if (!MqttTopic.IsValidTopicFilter(subscription.TopicFilter))
            {
                throw new ArgumentException($"'{subscription.TopicFilter}' is not a valid Topic Filter (5.0 §4.7).", nameof(subscriptions));
            }

            if (subscription.MaximumQoS > QualityOfService.ExactlyOnce || subscription.RetainHandling > RetainHandling.DoNotSend)
            {
                throw new ArgumentException($"Invalid QoS or Retain Handling for '{subscription.TopicFilter}'.", nameof(subscriptions));
            }

            list.Add(subscription);
        }

        ObjectDisposedException.ThrowIf(_disposed, this);
        MqttClientConnection connection = _connection ?? throw NotConnected();
        CheckSubscriptionFeatures(connection, list, properties);
        var packet = new SubscribePacket
        {
            PacketId = 1,
            Subscriptions = list,
            Properties = connection.Version == MqttProtocolVersion.V500 ? properties : null,
        };
        CheckPacketSize(connection, MqttPacketEncoder.GetPacketSize(packet, connection.Version), "SUBSCRIBE");
        var ack = (SubAckPacket)await RequestAsync(connection, packet, MqttPacketType.SubAck, list.Count, id => packet.PacketId = id, cancellationToken).ConfigureAwait(false);
        return new MqttClientSubscribeResult(AsReadOnly(ack.ReasonCodes), ack.Properties);
    }

    /// <summary>Unsubscribes from one topic filter.</summary>
    public Task<MqttClientUnsubscribeResult> UnsubscribeAsync(string topicFilter, CancellationToken cancellationToken = default) =>
        UnsubscribeAsync([topicFilter], null, cancellationToken);

    /// <summary>Unsubscribes; returns the UNSUBACK reason codes (5.0; empty on 3.1.1, whose UNSUBACK has none).</summary>
    public async Task<MqttClientUnsubscribeResult> UnsubscribeAsync(
        IReadOnlyList<string> topicFilters,
        MqttProperties? properties = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(topicFilters);
        if (topicFilters.Count == 0)
        {
            throw new ArgumentException("UNSUBSCRIBE needs at least one topic filter [MQTT-3.10.3-2].", nameof(topicFilters));
        }

        var list = new List<string>(topicFilters.Count);
        foreach (string filter in topicFilters)
        {
            if (filter is null || !MqttTopic.IsValidTopicFilter(filter))
            {
                throw new ArgumentException($"'{filter}' is not a valid Topic Filter (5.0 §4.7).", nameof(topicFilters));
            }

            list.Add(filter);
        }

        ObjectDisposedException.ThrowIf(_disposed, this);
        MqttClientConnection connection = _connection ?? throw NotConnected();
        var packet = new UnsubscribePacket
        {
            PacketId = 1,
            TopicFilters = list,
            Properties = connection.Version == MqttProtocolVersion.V500 ? properties : null,
        };
        CheckPacketSize(connection, MqttPacketEncoder.GetPacketSize(packet, connection.Version), "UNSUBSCRIBE");
        int expected = connection.Version == MqttProtocolVersion.V500 ? list.Count : 0;
        var ack = (UnsubAckPacket)await RequestAsync(connection, packet, MqttPacketType.UnsubAck, expected, id => packet.PacketId = id, cancellationToken).ConfigureAwait(false);
        return new MqttClientUnsubscribeResult(AsReadOnly(ack.ReasonCodes), ack.Properties);
    }

    /// <summary>
    /// Sends DISCONNECT and closes the connection. Pending subscribe/unsubscribe calls fail with
    /// <see cref="MqttClientErrorKind.ClientDisconnected"/>; unacknowledged QoS 1/2 messages stay pending for a
    /// later <see cref="ConnectAsync"/> when the session is resumable, and fail otherwise. Does nothing when not connected.
    /// </summary>
    /// <param name="reasonCode">DISCONNECT reason code (5.0), e.g. 0x04 to have the server publish the Will.</param>
    /// <param name="properties">DISCONNECT properties (5.0): Session Expiry Interval, Reason String, User Properties.</param>
    /// <param name="cancellationToken">Stops waiting for the connection's loops to end.</param>
    public async Task DisconnectAsync(
        ReasonCode reasonCode = ReasonCode.NormalDisconnection,
        MqttProperties? properties = null,
        CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        MqttClientConnection? connection = _connection;
        if (connection is null)
        {
            return;
        }

        bool v5 = connection.Version == MqttProtocolVersion.V500;
        if (v5 && !ReasonCodes.IsAllowedInDisconnectFromClient(reasonCode))
        {
            throw new ArgumentException($"Reason code 0x{(byte)reasonCode:X2} may not be sent by a client in DISCONNECT (5.0 table 3-10).", nameof(reasonCode));
        }

        var packet = new DisconnectPacket { ReasonCode = v5 ? reasonCode : ReasonCode.NormalDisconnection, Properties = v5 ? properties : null };
        var info = new MqttClientDisconnectedEventArgs(
            MqttClientErrorKind.ClientDisconnected,
            "The application disconnected the client.",
            v5 ? reasonCode : null);
        await CloseConnectionAsync(connection, info, packet, v5 ? properties?.SessionExpiryInterval : null).ConfigureAwait(false);
        await WaitForLoopsAsync(connection).WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Disconnects (normal disconnection) when connected, fails everything still pending with
    /// <see cref="MqttClientErrorKind.ClientDisconnected"/> and completes <see cref="ReceivedMessages"/>.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        lock (_sync)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
        }

        await _disposeCts.CancelAsync().ConfigureAwait(false);
        MqttClientConnection? connection = _connection;
        if (connection is not null)
        {
            var info = new MqttClientDisconnectedEventArgs(MqttClientErrorKind.ClientDisconnected, "The client was disposed.", ReasonCode.NormalDisconnection);
            await CloseConnectionAsync(connection, info, new DisconnectPacket(), null).ConfigureAwait(false);
            await WaitForLoopsAsync(connection).ConfigureAwait(false);
        }

        // A connect in progress sees the cancelled token and gives up; wait for it so that nothing outlives disposal.
        await _connectGate.WaitAsync().ConfigureAwait(false);
        _connectGate.Release();

        var failed = new List<TaskCompletionSource<MqttClientPublishResult>>();
        var requests = new List<PendingRequest>();
        lock (_sync)
        {
            failed.AddRange(_outgoing.Values);
            _outgoing.Clear();
            requests.AddRange(_requests.Values);
            _requests.Clear();
            _inflightCount = 0;
        }

        foreach (TaskCompletionSource<MqttClientPublishResult> entry in failed)
        {
            entry.TrySetException(new MqttClientException(MqttClientErrorKind.ClientDisconnected, "The client was disposed before the message was acknowledged."));
        }

        foreach (PendingRequest request in requests)
        {
            request.TrySetException(new MqttClientException(MqttClientErrorKind.ClientDisconnected, "The client was disposed."));
        }

        _messages.Writer.TryComplete();
    }

    private static TaskCompletionSource<MqttClientDisconnectedEventArgs> NewDisconnection() =>
        new(TaskCreationOptions.RunContinuationsAsynchronously);

    private static MqttClientException NotConnected() =>
        new(MqttClientErrorKind.NotConnected, "The client is not connected.");

    private static IReadOnlyList<ReasonCode> AsReadOnly(IList<ReasonCode> codes) =>
        codes as IReadOnlyList<ReasonCode> ?? new List<ReasonCode>(codes);

    private static void ValidateTopicName(string topic)
    {
        ArgumentNullException.ThrowIfNull(topic);
        if (topic.Length == 0)
        {
            throw new ArgumentException("A Topic Name must be at least one character long [MQTT-4.7.3-1].", nameof(topic));
        }

        if (topic.AsSpan().IndexOfAny('+', '#', '\0') >= 0)
        {
            throw new ArgumentException($"A Topic Name must not contain '+', '#' [MQTT-3.3.2-2] or U+0000 [MQTT-4.7.3-2]: '{topic}'.", nameof(topic));
        }
    }

    private static void ValidateOptions(MqttClientOptions options)
    {
        if (string.IsNullOrEmpty(options.Host))
        {
            throw new ArgumentException("MqttClientOptions.Host is required.", nameof(options));
        }

        if (options.Port is < 1 or > 65535)
        {
            throw new ArgumentException($"MqttClientOptions.Port {options.Port} is not a TCP port.", nameof(options));
        }

        if (options.ProtocolVersion is not (MqttProtocolVersion.V311 or MqttProtocolVersion.V500))
        {
            throw new ArgumentException($"Protocol version {options.ProtocolVersion} is not supported.", nameof(options));
        }

        if (options.ConnectTimeout <= TimeSpan.Zero)
        {
            throw new ArgumentException("MqttClientOptions.ConnectTimeout must be positive.", nameof(options));
        }

        if (options.MaximumInflight == 0 || options.ReceiveMaximum == 0 || options.MaximumPacketSize == 0)
        {
            throw new ArgumentException("MaximumInflight, ReceiveMaximum and MaximumPacketSize must not be 0.", nameof(options));
        }

        if (options.ProtocolVersion == MqttProtocolVersion.V311 && options.AuthenticationMethod is not null)
        {
            throw new ArgumentException("Enhanced authentication (AuthenticationMethod) exists only in MQTT 5.0.", nameof(options));
        }
    }

    private static void CheckPacketSize(MqttClientConnection connection, int size, string what)
    {
        if (size > connection.ServerMaximumPacketSize)
        {
            throw new MqttClientException(
                MqttClientErrorKind.LimitExceeded,
                $"The {what} packet is {size} bytes, more than the server's Maximum Packet Size of {connection.ServerMaximumPacketSize} bytes [MQTT-3.2.2-15]",
                ReasonCode.PacketTooLarge);
        }
    }

    /// <summary>
    /// The server's CONNACK may say it does not support wildcards, Subscription Identifiers or shared subscriptions
    /// (5.0 §3.2.2.3.11-13); sending them anyway would get the connection closed (0xA2, 0xA1, 0x9E).
    /// </summary>
    private static void CheckSubscriptionFeatures(MqttClientConnection connection, List<MqttSubscription> subscriptions, MqttProperties? properties)
    {
        if (connection.Version != MqttProtocolVersion.V500)
        {
            return;
        }

        if (!connection.SubscriptionIdentifiersAvailable && properties is { HasSubscriptionIdentifiers: true })
        {
            throw new MqttClientException(
                MqttClientErrorKind.LimitExceeded,
                "The server does not support Subscription Identifiers (Subscription Identifiers Available = 0)",
                ReasonCode.SubscriptionIdentifiersNotSupported);
        }

        foreach (MqttSubscription subscription in subscriptions)
        {
            string filter = subscription.TopicFilter;
            if (!connection.SharedSubscriptionAvailable && filter.StartsWith("$share/", StringComparison.Ordinal))
            {
                throw new MqttClientException(
                    MqttClientErrorKind.LimitExceeded,
                    $"The server does not support shared subscriptions (Shared Subscription Available = 0): '{filter}'",
                    ReasonCode.SharedSubscriptionsNotSupported);
            }

            if (!connection.WildcardSubscriptionAvailable && filter.AsSpan().IndexOfAny('+', '#') >= 0)
            {
                throw new MqttClientException(
                    MqttClientErrorKind.LimitExceeded,
                    $"The server does not support wildcard subscriptions (Wildcard Subscription Available = 0): '{filter}'",
                    ReasonCode.WildcardSubscriptionsNotSupported);
            }
        }
    }

    private static ReasonCode ToClientDisconnectCode(ReasonCode code) =>
        ReasonCodes.IsAllowedInDisconnectFromClient(code) && code != ReasonCode.NormalDisconnection ? code : ReasonCode.ProtocolError;

    private static async ValueTask<MqttClientPublishResult> AwaitAtMostOnceAsync(ValueTask send)
    {
        await send.ConfigureAwait(false);
        return MqttClientPublishResult.AtMostOnce;
    }

    private static async Task WaitForLoopsAsync(MqttClientConnection connection)
    {
        try
        {
            await Task.WhenAll(connection.ReceiveLoop, connection.KeepAliveLoop).WaitAsync(CloseTimeout).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // The loops observe the cancelled token; they may only lag behind.
        }
    }

    private async Task<MqttClientConnectResult> ConnectCoreAsync(MqttClientOptions options, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _disposeCts.Token);
        timeout.CancelAfter(options.ConnectTimeout);
        MqttClientConnection? connection = null;
        try
        {
            connection = await MqttClientConnection.OpenAsync(options, OnSendFault, timeout.Token).ConfigureAwait(false);
            string clientId = ClientId;
            await connection.SendAsync(BuildConnect(options, clientId), timeout.Token).ConfigureAwait(false);
            ConnAckPacket connAck = await ReadConnAckAsync(connection, options, timeout.Token).ConfigureAwait(false);
            if (connAck.ReasonCode != ReasonCode.Success)
            {
                bool v311 = options.ProtocolVersion == MqttProtocolVersion.V311;
                throw new MqttClientException(
                    MqttClientErrorKind.ConnectRefused,
                    v311
                        ? $"The server refused the connection with return code {(int)ConnAckPacket.ToConnectReturnCode(connAck.ReasonCode)} ({ConnAckPacket.ToConnectReturnCode(connAck.ReasonCode)})"
                        : "The server refused the connection",
                    connAck.ReasonCode,
                    connAck.Properties?.ReasonString)
                {
                    ConnectReturnCode = v311 ? ConnAckPacket.ToConnectReturnCode(connAck.ReasonCode) : null,
                    ServerReference = connAck.Properties?.ServerReference,
                };
            }

            return await ActivateAsync(connection, connAck, options, clientId).ConfigureAwait(false);
        }
        catch (MqttProtocolException ex)
        {
            ReasonCode code = ToClientDisconnectCode(ex.ReasonCode);
            if (connection is not null)
            {
                MqttPacket? disconnect = options.ProtocolVersion == MqttProtocolVersion.V500 ? new DisconnectPacket { ReasonCode = code } : null;
                await AbandonAsync(connection, disconnect).ConfigureAwait(false);
            }

            throw new MqttClientException(MqttClientErrorKind.ProtocolViolation, $"The server's answer to CONNECT broke the protocol: {ex.Message}", code, innerException: ex);
        }
        catch (Exception ex) when (connection is null || !connection.Activated)
        {
            if (connection is not null)
            {
                await AbandonAsync(connection, null).ConfigureAwait(false);
            }

            if (ex is MqttClientException or ObjectDisposedException
                || (ex is OperationCanceledException && cancellationToken.IsCancellationRequested))
            {
                throw;
            }

            ObjectDisposedException.ThrowIf(ex is OperationCanceledException && _disposeCts.IsCancellationRequested, this);

            if (ex is OperationCanceledException)
            {
                throw new MqttClientException(
                    MqttClientErrorKind.ConnectTimeout,
                    $"No CONNACK from {options.Host}:{options.Port} within {options.ConnectTimeout.TotalSeconds:0.###} s.",
                    innerException: ex);
            }

            if (ex is SocketException or IOException or AuthenticationException)
            {
                throw new MqttClientException(MqttClientErrorKind.ConnectFailed, $"Could not connect to {options.Host}:{options.Port}: {ex.Message}", innerException: ex);
            }

            throw;
        }
    }

    private static async Task AbandonAsync(MqttClientConnection connection, MqttPacket? disconnect)
    {
        connection.TryBeginClose();
        await connection.CloseAsync(disconnect, CloseTimeout).ConfigureAwait(false);
        await connection.Input.CompleteAsync().ConfigureAwait(false);
    }

    private static ConnectPacket BuildConnect(MqttClientOptions options, string clientId)
    {
        bool v5 = options.ProtocolVersion == MqttProtocolVersion.V500;
        var packet = new ConnectPacket
        {
            ProtocolVersion = options.ProtocolVersion,
            ClientId = clientId,
            CleanStart = options.CleanStart,
            KeepAlive = options.KeepAliveSeconds,
            UserName = options.UserName,
            Password = options.Password,
        };
        if (options.Will is { } will)
        {
            packet.Will = v5 || will.Properties is null
                ? will
                : new MqttWill { Topic = will.Topic, Payload = will.Payload, QoS = will.QoS, Retain = will.Retain };
        }

        if (v5)
        {
            var properties = new MqttProperties
            {
                SessionExpiryInterval = options.SessionExpiryInterval is > 0 ? options.SessionExpiryInterval : null,
                ReceiveMaximum = options.ReceiveMaximum is < ushort.MaxValue ? options.ReceiveMaximum : null,
                MaximumPacketSize = options.MaximumPacketSize,
                TopicAliasMaximum = options.TopicAliasMaximum > 0 ? options.TopicAliasMaximum : null,
                RequestResponseInformation = options.RequestResponseInformation,
                RequestProblemInformation = options.RequestProblemInformation,
                AuthenticationMethod = options.AuthenticationMethod,
                AuthenticationData = options.AuthenticationMethod is null ? null : options.AuthenticationData,
            };
            foreach (MqttUserProperty property in options.UserProperties)
            {
                properties.UserProperties.Add(property);
            }

            packet.Properties = properties.IsEmpty ? null : properties;
        }

        return packet;
    }

    /// <summary>
    /// Reads until the CONNACK, answering AUTH challenges through <see cref="MqttClientOptions.AuthenticationHandler"/>
    /// (5.0 §4.12). The server must send nothing else first [MQTT-3.2.0-1].
    /// </summary>
    private static async Task<ConnAckPacket> ReadConnAckAsync(MqttClientConnection connection, MqttClientOptions options, CancellationToken cancellationToken)
    {
        PipeReader input = connection.Input;
        while (true)
        {
            ReadResult result = await input.ReadAsync(cancellationToken).ConfigureAwait(false);
            ReadOnlySequence<byte> buffer = result.Buffer;
            MqttPacket packet;
            try
            {
                if (!MqttFrameReader.TryReadFrame(ref buffer, connection.MaximumIncomingPacketSize, out MqttFrame frame))
                {
                    if (result.IsCompleted)
                    {
                        throw new MqttClientException(MqttClientErrorKind.ConnectFailed, $"The server {options.Host}:{options.Port} closed the connection before sending CONNACK.");
                    }

                    input.AdvanceTo(buffer.Start, buffer.End);
                    continue;
                }

                if (frame.Type is not (MqttPacketType.ConnAck or MqttPacketType.Auth))
                {
                    throw new MqttProtocolException(ReasonCode.ProtocolError, "MQTT-3.2.0-1", $"The server sent {frame.Type} before CONNACK.");
                }

                packet = MqttPacketDecoder.Decode(frame, options.ProtocolVersion, PacketDirection.ServerToClient);
            }
            catch
            {
                input.AdvanceTo(buffer.Start);
                throw;
            }

            // Only the frame is consumed: anything after the CONNACK is left for the receive loop.
            input.AdvanceTo(buffer.Start);
            connection.MarkReceived();
            if (packet is ConnAckPacket connAck)
            {
                return connAck;
            }

            var auth = (AuthPacket)packet;
            if (options.AuthenticationMethod is null)
            {
                throw new MqttProtocolException(ReasonCode.ProtocolError, string.Empty, "The server sent AUTH although the CONNECT had no Authentication Method (5.0 §4.12).");
            }

            if (auth.ReasonCode != ReasonCode.ContinueAuthentication || auth.Properties?.AuthenticationMethod != options.AuthenticationMethod)
            {
                throw new MqttProtocolException(ReasonCode.ProtocolError, string.Empty, "During connect the server's AUTH must carry Continue Authentication and the CONNECT's Authentication Method (5.0 §4.12).");
            }

            if (options.AuthenticationHandler is not { } handler)
            {
                throw new MqttClientException(
                    MqttClientErrorKind.ConnectRefused,
                    "The server continued enhanced authentication, but MqttClientOptions.AuthenticationHandler is not set",
                    ReasonCode.BadAuthenticationMethod);
            }

            AuthPacket reply = await handler(auth, cancellationToken).ConfigureAwait(false);
            reply.ReasonCode = ReasonCode.ContinueAuthentication;
            reply.Properties ??= new MqttProperties();
            reply.Properties.AuthenticationMethod ??= options.AuthenticationMethod;
            await connection.SendAsync(reply, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Makes the connection current: applies the CONNACK, then settles the session. With Session Present the
    /// unacknowledged PUBLISH packets (DUP = 1, same Packet Identifier) and PUBRELs are resent in their original
    /// order [MQTT-4.4.0-1], [MQTT-4.6.0-1], under the write lock so that no new message overtakes them; what does
    /// not fit in the server's Receive Maximum waits in the backlog and goes out as acknowledgements free slots.
    /// </summary>
    private async Task<MqttClientConnectResult> ActivateAsync(MqttClientConnection connection, ConnAckPacket connAck, MqttClientOptions options, string clientId)
    {
        bool v5 = options.ProtocolVersion == MqttProtocolVersion.V500;
        MqttProperties? server = connAck.Properties;
        if (v5 && server?.AssignedClientIdentifier is { } assigned)
        {
            clientId = assigned;
        }

        ushort keepAlive = v5 && server?.ServerKeepAlive is { } serverKeepAlive ? serverKeepAlive : options.KeepAliveSeconds;
        uint sessionExpiry = v5 ? server?.SessionExpiryInterval ?? options.SessionExpiryInterval ?? 0 : 0;
        connection.KeepAliveSeconds = keepAlive;
        connection.MaximumIncomingPacketSize = options.MaximumPacketSize is { } ours ? (int)Math.Min(ours, (uint)ProtocolMaximumPacketSize) : ProtocolMaximumPacketSize;
        if (v5)
        {
            connection.ServerMaximumPacketSize = server?.MaximumPacketSize is { } theirs ? (int)Math.Min(theirs, (uint)ProtocolMaximumPacketSize) : ProtocolMaximumPacketSize;
            connection.MaximumQoS = server?.MaximumQoS ?? QualityOfService.ExactlyOnce;
            connection.RetainAvailable = server?.RetainAvailable ?? true;
            connection.WildcardSubscriptionAvailable = server?.WildcardSubscriptionAvailable ?? true;
            connection.SubscriptionIdentifiersAvailable = server?.SubscriptionIdentifierAvailable ?? true;
            connection.SharedSubscriptionAvailable = server?.SharedSubscriptionAvailable ?? true;
            connection.ReceiveMaximum = options.ReceiveMaximum ?? ushort.MaxValue;
            if (options.UseTopicAliases && server?.TopicAliasMaximum is > 0 and var aliasMaximum)
            {
                connection.OutgoingAliases = new OutgoingTopicAliases(aliasMaximum);
            }

            if (options.TopicAliasMaximum > 0)
            {
                connection.IncomingAliases = new string?[options.TopicAliasMaximum + 1];
            }
        }

        int limit = Math.Min(options.MaximumInflight, v5 ? server?.ReceiveMaximum ?? ushort.MaxValue : ushort.MaxValue);
        var result = new MqttClientConnectResult(connAck, options.ProtocolVersion, clientId, keepAlive, sessionExpiry);
        List<OutgoingPublish>? resend = null;
        List<OutgoingPublish>? lost = null;
        bool connectionLost = false;
        await connection.AcquireWriteLockAsync().ConfigureAwait(false);
        try
        {
            lock (_sync)
            {
                ObjectDisposedException.ThrowIf(_disposed, this);
                if (v5 && server?.AssignedClientIdentifier is not null)
                {
                    _assignedClientId = clientId;
                }

                _sessionResumable = v5 ? sessionExpiry > 0 : !options.CleanStart;
                _inflightLimit = limit;
                if (_disconnection.Task.IsCompleted)
                {
                    _disconnection = NewDisconnection();
                }

                connection.Disconnection = _disconnection;
                connection.Activated = true;
                _lastConnect = result;
                if (_outgoing.Count > 0)
                {
                    if (connAck.SessionPresent)
                    {
                        resend = [.. _outgoing.Values];
                        resend.Sort(static (a, b) => a.Sequence.CompareTo(b.Sequence));
                    }
                    else
                    {
                        lost = [.. _outgoing.Values];
                        foreach (OutgoingPublish entry in lost)
                        {
                            _packetIds.Release(entry.Packet.PacketId);
                        }

                        _inflightCount -= _outgoing.Count;
                        _outgoing.Clear();
                    }
                }

                if (!connAck.SessionPresent)
                {
                    // A new session: the server forgot the QoS 2 messages it had not released (5.0 §4.1).
                    _incomingQos2.Clear();
                }

                _connection = connection;
            }

            if (lost is not null)
            {
                foreach (OutgoingPublish entry in lost)
                {
                    entry.TrySetException(new MqttClientException(
                        MqttClientErrorKind.SessionLost,
                        $"The server did not resume the session (Session Present = 0); message {entry.Packet.PacketId} on '{entry.Packet.Topic}' was not acknowledged and is not resent."));
                }
            }

            if (resend is not null)
            {
                await ResendLockedAsync(connection, resend, limit).ConfigureAwait(false);
            }
        }
        catch (MqttClientException ex) when (ex.Kind == MqttClientErrorKind.ConnectionLost)
        {
            // Lost while resending: the close path settles the session.
            connectionLost = true;
        }
        finally
        {
            connection.ReleaseWriteLock();
        }

        if (connectionLost || connection.IsClosing)
        {
            throw new MqttClientException(MqttClientErrorKind.ConnectionLost, "The connection was lost right after the CONNACK.");
        }

        connection.ReceiveLoop = Task.Run(() => ReceiveLoopAsync(connection), CancellationToken.None);
        if (keepAlive > 0)
        {
            connection.KeepAliveLoop = Task.Run(() => KeepAliveLoopAsync(connection), CancellationToken.None);
        }

        return result;
    }

    private async Task ResendLockedAsync(MqttClientConnection connection, List<OutgoingPublish> resend, int limit)
    {
        int onWire = 0;
        foreach (OutgoingPublish entry in resend)
        {
            if (!entry.Released && (entry.PacketSize > connection.ServerMaximumPacketSize || entry.Packet.QoS > connection.MaximumQoS))
            {
                FailEntry(entry, new MqttClientException(
                    MqttClientErrorKind.LimitExceeded,
                    "The resumed session's server no longer accepts this message (Maximum Packet Size or Maximum QoS)",
                    entry.PacketSize > connection.ServerMaximumPacketSize ? ReasonCode.PacketTooLarge : ReasonCode.QoSNotSupported));
                continue;
            }

            if (onWire >= limit)
            {
                lock (_sync)
                {
                    connection.ResendBacklog.Enqueue(entry);
                }

                continue;
            }

            WriteResendLocked(connection, entry);
            onWire++;
        }

        await connection.FlushLockedAsync().ConfigureAwait(false);
    }

    private static void WriteResendLocked(MqttClientConnection connection, OutgoingPublish entry)
    {
        if (entry.Released)
        {
            connection.WriteAckLocked(MqttPacketType.PubRel, entry.Packet.PacketId, ReasonCode.Success);
        }
        else
        {
            bool dup = entry.Sent;
            entry.Sent = true;
            connection.WritePublishLocked(entry.Packet, entry.PacketSize, dup);
        }
    }

    /// <summary>Removes a message from the session and fails its task.</summary>
    private void FailEntry(OutgoingPublish entry, MqttClientException error)
    {
        lock (_sync)
        {
            if (_outgoing.Remove(entry.Packet.PacketId))
            {
                _packetIds.Release(entry.Packet.PacketId);
                ReleaseSlotLocked();
            }
        }

        entry.TrySetException(error);
    }

    private async ValueTask<MqttClientPublishResult> PublishReliableAsync(MqttClientConnection connection, PublishPacket packet, int size, CancellationToken cancellationToken)
    {
        await AcquireSlotAsync(connection, cancellationToken).ConfigureAwait(false);
        OutgoingPublish entry;
        lock (_sync)
        {
            if (_connection != connection)
            {
                ReleaseSlotLocked();
                throw new MqttClientException(MqttClientErrorKind.ConnectionLost, "The connection was lost while the message waited for the inflight window.");
            }

            if (!_packetIds.TryAllocate(out ushort id))
            {
                ReleaseSlotLocked();
                throw new MqttClientException(MqttClientErrorKind.LimitExceeded, "All 65,535 Packet Identifiers are in use.");
            }

            packet.PacketId = id;
            entry = new OutgoingPublish(packet, size, ++_sequence) { Sent = true };
            _outgoing.Add(id, entry);
        }

        try
        {
            await connection.SendPublishAsync(packet, size, dup: false, CancellationToken.None).ConfigureAwait(false);
        }
        catch (MqttClientException ex) when (ex.Kind == MqttClientErrorKind.ConnectionLost)
        {
            // The connection is closing and the message is in the session: the close path fails it, or a resumed
            // session resends it.
        }
        catch (Exception ex)
        {
            FailEntry(entry, new MqttClientException(MqttClientErrorKind.ConnectionLost, "The message could not be written.", innerException: ex));
            throw;
        }

        return cancellationToken.CanBeCanceled
            ? await entry.Task.WaitAsync(cancellationToken).ConfigureAwait(false)
            : await entry.Task.ConfigureAwait(false);
    }

    /// <summary>
    /// Takes a slot of the inflight window: at most min(server Receive Maximum, <see cref="MqttClientOptions.MaximumInflight"/>)
    /// QoS 1/2 messages unacknowledged at once (5.0 §4.9). Waiters are served first in, first out.
    /// </summary>
    private ValueTask AcquireSlotAsync(MqttClientConnection connection, CancellationToken cancellationToken)
    {
        TaskCompletionSource waiter;
        lock (_sync)
        {
            if (_connection != connection)
            {
                throw NotConnected();
            }

            while (_windowWaiters.TryPeek(out TaskCompletionSource? head) && head.Task.IsCompleted)
            {
                _windowWaiters.Dequeue();
            }

            if (_windowWaiters.Count == 0 && _inflightCount < _inflightLimit)
            {
                _inflightCount++;
                return ValueTask.CompletedTask;
            }

            waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _windowWaiters.Enqueue(waiter);
        }

        return WaitForSlotAsync(waiter, cancellationToken);
    }

    private static async ValueTask WaitForSlotAsync(TaskCompletionSource waiter, CancellationToken cancellationToken)
    {
        await using (cancellationToken.Register(static state => ((TaskCompletionSource)state!).TrySetCanceled(), waiter).ConfigureAwait(false))
        {
            await waiter.Task.ConfigureAwait(false);
        }
    }

    /// <summary>Gives a slot back and hands free slots to waiters. Caller holds the lock.</summary>
    private void ReleaseSlotLocked()
    {
        _inflightCount--;
        while (_inflightCount < _inflightLimit && _windowWaiters.TryDequeue(out TaskCompletionSource? waiter))
        {
            if (waiter.TrySetResult())
            {
                _inflightCount++;
            }
        }
    }

    private async Task<MqttPacket> RequestAsync(
        MqttClientConnection connection,
        MqttPacket packet,
        MqttPacketType expectedAck,
        int filterCount,
        Action<ushort> setPacketId,
        CancellationToken cancellationToken)
    {
        var request = new PendingRequest(expectedAck, filterCount);
        ushort id;
        lock (_sync)
        {
            if (_connection != connection)
            {
                throw NotConnected();
            }

            if (!_packetIds.TryAllocate(out id))
            {
                throw new MqttClientException(MqttClientErrorKind.LimitExceeded, "All 65,535 Packet Identifiers are in use.");
            }

            _requests.Add(id, request);
        }

        setPacketId(id);
        try
        {
            await connection.SendAsync(packet, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            lock (_sync)
            {
                if (_requests.Remove(id))
                {
                    _packetIds.Release(id);
                }
            }

            throw;
        }
        catch (MqttClientException ex) when (ex.Kind == MqttClientErrorKind.ConnectionLost)
        {
            // The connection is closing: the close path fails the request.
        }

        return await request.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    private void OnSendFault(MqttClientConnection connection, Exception error)
    {
        if (connection.Activated)
        {
            var info = new MqttClientDisconnectedEventArgs(MqttClientErrorKind.ConnectionLost, $"The connection was lost while sending: {error.Message}", exception: error);
            _ = CloseConnectionAsync(connection, info, null, null);
        }
        else
        {
            connection.Abort();
        }
    }

    /// <summary>
    /// The one way a connection ends. Detaches it, fails what cannot survive it (subscribe/unsubscribe requests,
    /// window waiters, and the session's messages unless the session is resumable), closes the socket (after a
    /// final DISCONNECT when given), then reports the reason through <see cref="Disconnection"/> and <see cref="Disconnected"/>.
    /// </summary>
    private async Task CloseConnectionAsync(MqttClientConnection connection, MqttClientDisconnectedEventArgs info, MqttPacket? finalPacket, uint? sessionExpiry)
    {
        if (!connection.TryBeginClose())
        {
            await connection.Closed.ConfigureAwait(false);
            return;
        }

        List<TaskCompletionSource>? waiters = null;
        List<PendingRequest>? requests = null;
        List<OutgoingPublish>? messages = null;
        lock (_sync)
        {
            if (sessionExpiry is { } expiry)
            {
                _sessionResumable = expiry > 0;
            }

            if (_connection == connection)
            {
                _connection = null;
            }

            if (_windowWaiters.Count > 0)
            {
                waiters = [.. _windowWaiters];
                _windowWaiters.Clear();
            }

            if (_requests.Count > 0)
            {
                requests = [.. _requests.Values];
                foreach (ushort id in _requests.Keys)
                {
                    _packetIds.Release(id);
                }

                _requests.Clear();
            }

            connection.ResendBacklog.Clear();
            if (!_sessionResumable)
            {
                if (_outgoing.Count > 0)
                {
                    messages = [.. _outgoing.Values];
                    foreach (ushort id in _outgoing.Keys)
                    {
                        _packetIds.Release(id);
                    }

                    _inflightCount -= _outgoing.Count;
                    _outgoing.Clear();
                }

                _incomingQos2.Clear();
            }
        }

        if (waiters is not null)
        {
            foreach (TaskCompletionSource waiter in waiters)
            {
                waiter.TrySetException(info.ToException());
            }
        }

        if (requests is not null)
        {
            foreach (PendingRequest request in requests)
            {
                request.TrySetException(info.ToException());
            }
        }

        if (messages is not null)
        {
            foreach (OutgoingPublish message in messages)
            {
                message.TrySetException(info.ToException());
            }
        }

        await connection.CloseAsync(finalPacket, CloseTimeout).ConfigureAwait(false);
        if (connection.Disconnection is { } disconnection && disconnection.TrySetResult(info))
        {
            try
            {
                Disconnected?.Invoke(this, info);
            }
#pragma warning disable CA1031 // An application's handler must not break the client's close path.
            catch (Exception)
#pragma warning restore CA1031
            {
            }
        }
    }

    private async Task ReceiveLoopAsync(MqttClientConnection connection)
    {
        PipeReader input = connection.Input;
        CancellationToken token = connection.Token;
        MqttClientDisconnectedEventArgs? end = null;
        MqttPacket? finalPacket = null;
        try
        {
            while (end is null)
            {
                ReadResult result = await input.ReadAsync(token).ConfigureAwait(false);
                ReadOnlySequence<byte> buffer = result.Buffer;
                while (end is null && MqttFrameReader.TryReadFrame(ref buffer, connection.MaximumIncomingPacketSize, out MqttFrame frame))
                {
                    connection.MarkReceived();
                    end = await HandleFrameAsync(connection, frame).ConfigureAwait(false);
                }

                input.AdvanceTo(buffer.Start, buffer.End);
                if (end is null && result.IsCompleted)
                {
                    end = new MqttClientDisconnectedEventArgs(MqttClientErrorKind.ConnectionLost, "The server closed the connection without DISCONNECT.");
                }
            }
        }
        catch (MqttProtocolException ex)
        {
            ReasonCode code = ToClientDisconnectCode(ex.ReasonCode);
            bool v5 = connection.Version == MqttProtocolVersion.V500;
            finalPacket = v5 ? new DisconnectPacket { ReasonCode = code } : null;
            end = new MqttClientDisconnectedEventArgs(MqttClientErrorKind.ProtocolViolation, $"The server broke the protocol: {ex.Message}", v5 ? code : null, exception: ex);
        }
#pragma warning disable CA1031 // Whatever ends the receive loop ends the connection, and is reported, never lost.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            if (!connection.IsClosing)
            {
                end = new MqttClientDisconnectedEventArgs(MqttClientErrorKind.ConnectionLost, $"The connection was lost: {ex.Message}", exception: ex);
            }
        }

        if (end is not null)
        {
            await CloseConnectionAsync(connection, end, finalPacket, null).ConfigureAwait(false);
        }

        await input.CompleteAsync().ConfigureAwait(false);
    }

    /// <summary>Handles one packet after CONNACK; returns the reason when it ends the connection (a server DISCONNECT).</summary>
    private async ValueTask<MqttClientDisconnectedEventArgs?> HandleFrameAsync(MqttClientConnection connection, MqttFrame frame)
    {
        if (frame.Type == MqttPacketType.Publish)
        {
            await HandlePublishAsync(connection, frame).ConfigureAwait(false);
            return null;
        }

        MqttPacket packet = MqttPacketDecoder.Decode(frame, connection.Version, PacketDirection.ServerToClient);
        switch (packet)
        {
            case PubAckPacket ack:
                await CompleteOutgoingAsync(connection, ack, QualityOfService.AtLeastOnce).ConfigureAwait(false);
                return null;
            case PubRecPacket rec:
                await HandlePubRecAsync(connection, rec).ConfigureAwait(false);
                return null;
            case PubCompPacket comp:
                await CompleteOutgoingAsync(connection, comp, QualityOfService.ExactlyOnce).ConfigureAwait(false);
                return null;
            case PubRelPacket rel:
                bool known;
                lock (_sync)
                {
                    known = _incomingQos2.Remove(rel.PacketId);
                }

                // 5.0 §4.3.3: PUBCOMP with 0x92 when the identifier is unknown (e.g. a PUBREL resent after our PUBCOMP was lost).
                await connection.SendAckAsync(MqttPacketType.PubComp, rel.PacketId, known ? ReasonCode.Success : ReasonCode.PacketIdentifierNotFound).ConfigureAwait(false);
                return null;
            case SubAckPacket subAck:
                CompleteRequest(subAck.PacketId, subAck, subAck.ReasonCodes.Count);
                return null;
            case UnsubAckPacket unsubAck:
                CompleteRequest(unsubAck.PacketId, unsubAck, unsubAck.ReasonCodes.Count);
                return null;
            case PingRespPacket:
                return null;
            case DisconnectPacket disconnect:
                return new MqttClientDisconnectedEventArgs(
                    MqttClientErrorKind.ServerDisconnected,
                    "The server disconnected the client",
                    disconnect.ReasonCode,
                    disconnect.Properties);
            default:
                throw new MqttProtocolException(ReasonCode.ProtocolError, string.Empty, $"The server sent an unexpected {packet.Type} packet after CONNACK.");
        }
    }

    /// <summary>
    /// An incoming PUBLISH. QoS 1: delivered, then PUBACK. QoS 2: delivered once, its Packet Identifier kept until
    /// PUBREL, and a PUBLISH the server resends before that (DUP) only gets its PUBREC again (5.0 §4.3.3, method B).
    /// The PUBACK/PUBREC goes out only after the message is in <see cref="ReceivedMessages"/>, so a full buffer
    /// holds the server back through its own Receive Maximum as well as through TCP.
    /// </summary>
    private async ValueTask HandlePublishAsync(MqttClientConnection connection, MqttFrame frame)
    {
        PublishPacketView view = MqttPacketDecoder.DecodePublish(frame, connection.Version, PacketDirection.ServerToClient);
        string? aliasedTopic = view.TopicAlias == 0 ? null : ResolveIncomingAlias(connection, view);
        ushort id = view.PacketId;
        switch (view.QoS)
        {
            case QualityOfService.AtMostOnce:
                await DeliverAsync(connection, CreateMessage(view, aliasedTopic)).ConfigureAwait(false);
                break;
            case QualityOfService.AtLeastOnce:
                CheckReceiveMaximum(connection);
                await DeliverAsync(connection, CreateMessage(view, aliasedTopic)).ConfigureAwait(false);
                await connection.SendAckAsync(MqttPacketType.PubAck, id, ReasonCode.Success).ConfigureAwait(false);
                break;
            default:
                bool duplicate;
                lock (_sync)
                {
                    duplicate = _incomingQos2.Contains(id);
                }

                if (!duplicate)
                {
                    CheckReceiveMaximum(connection);
                    await DeliverAsync(connection, CreateMessage(view, aliasedTopic)).ConfigureAwait(false);
                    lock (_sync)
                    {
                        _incomingQos2.Add(id);
                    }
                }

                await connection.SendAckAsync(MqttPacketType.PubRec, id, ReasonCode.Success).ConfigureAwait(false);
                break;
        }
    }

    /// <summary>
    /// Our Receive Maximum (5.0 §3.3.4): the server may have at most that many QoS 1/2 messages unacknowledged.
    /// QoS 1 messages are acknowledged one at a time before the next packet is read, so what is outstanding is the
    /// QoS 2 messages awaiting PUBREL plus this one.
    /// </summary>
    private void CheckReceiveMaximum(MqttClientConnection connection)
    {
        int outstanding;
        lock (_sync)
        {
            outstanding = _incomingQos2.Count + 1;
        }

        if (outstanding > connection.ReceiveMaximum)
        {
            throw new MqttProtocolException(
                ReasonCode.ReceiveMaximumExceeded,
                string.Empty,
                $"The server sent more than the client's Receive Maximum of {connection.ReceiveMaximum} unacknowledged QoS 1 and 2 messages (5.0 §3.3.4).");
        }
    }

    /// <summary>Incoming topic aliases (5.0 §3.3.2.3.4): 0 or above our Topic Alias Maximum is 0x94; an alias never mapped is a Protocol Error.</summary>
    private static string ResolveIncomingAlias(MqttClientConnection connection, in PublishPacketView view)
    {
        ushort alias = view.TopicAlias;
        string?[]? map = connection.IncomingAliases;
        if (map is null || alias >= map.Length)
        {
            throw new MqttProtocolException(
                ReasonCode.TopicAliasInvalid,
                string.Empty,
                $"Topic Alias {alias} is above the Topic Alias Maximum of {(map is null ? 0 : map.Length - 1)} the client sent (5.0 §3.3.2.3.4).");
        }

        if (!view.Topic.IsEmpty)
        {
            string topic = MqttBodyReader.Decode(view.Topic);
            map[alias] = topic;
            return topic;
        }

        return map[alias] ?? throw new MqttProtocolException(
            ReasonCode.ProtocolError,
            string.Empty,
            $"Topic Alias {alias} has no mapping on this connection (5.0 §3.3.4).");
    }

    private static MqttApplicationMessage CreateMessage(in PublishPacketView view, string? aliasedTopic)
    {
        PublishPacket packet = view.ToPacket();
        MqttProperties? properties = packet.Properties;
        if (properties?.TopicAlias is not null)
        {
            properties.TopicAlias = null;
            if (properties.IsEmpty)
            {
                properties = null;
            }
        }

        return new MqttApplicationMessage(aliasedTopic ?? packet.Topic, packet.Payload, packet.QoS, packet.Retain, packet.Dup, properties);
    }

    private ValueTask DeliverAsync(MqttClientConnection connection, MqttApplicationMessage message) =>
        _messages.Writer.TryWrite(message) ? ValueTask.CompletedTask : DeliverWhenReadAsync(connection, message);

    /// <summary>Backpressure: the buffer is full, so the receive loop (and with it the socket) waits for the application.</summary>
    private async ValueTask DeliverWhenReadAsync(MqttClientConnection connection, MqttApplicationMessage message)
    {
        connection.ReceivePaused = true;
        try
        {
            await _messages.Writer.WriteAsync(message, connection.Token).ConfigureAwait(false);
        }
        finally
        {
            connection.ReceivePaused = false;
            connection.MarkReceived();
        }
    }

    /// <summary>PUBACK (QoS 1) or PUBCOMP (QoS 2) ends a message's flow and frees its slot and identifier.</summary>
    private async ValueTask CompleteOutgoingAsync(MqttClientConnection connection, PublishAcknowledgementPacket ack, QualityOfService qos)
    {
        OutgoingPublish? entry;
        OutgoingPublish? next;
        lock (_sync)
        {
            if (!_outgoing.TryGetValue(ack.PacketId, out entry))
            {
                // Unknown identifier: a late acknowledgement of a message the session no longer holds. Ignored.
                return;
            }

            if (entry.Packet.QoS != qos || (qos == QualityOfService.ExactlyOnce && !entry.Released))
            {
                throw new MqttProtocolException(
                    ReasonCode.ProtocolError,
                    string.Empty,
                    $"{ack.Type} for Packet Identifier {ack.PacketId} does not match the state of that QoS {(int)entry.Packet.QoS} message.");
            }

            _outgoing.Remove(ack.PacketId);
            _packetIds.Release(ack.PacketId);
            ReleaseSlotLocked();
            next = connection.ResendBacklog.TryDequeue(out OutgoingPublish? queued) ? queued : null;
        }

        if (qos == QualityOfService.AtLeastOnce && ack.ReasonCode >= ReasonCode.UnspecifiedError)
        {
            entry.TrySetException(PublishRefused(entry, ack));
        }
        else if (qos == QualityOfService.AtLeastOnce)
        {
            entry.TrySetResult(new MqttClientPublishResult(ack.PacketId, ack.ReasonCode, ack.Properties));
        }
        else
        {
            // A PUBCOMP 0x92 (the server no longer knows the identifier, e.g. our resent PUBREL after its PUBCOMP was
            // lost) does not undo the PUBREC that accepted the message: the result is the PUBREC's.
            entry.TrySetResult(new MqttClientPublishResult(ack.PacketId, entry.PubRecReasonCode, entry.PubRecProperties));
        }

        if (next is not null)
        {
            await SendFromBacklogAsync(connection, next).ConfigureAwait(false);
        }
    }

    private async ValueTask HandlePubRecAsync(MqttClientConnection connection, PubRecPacket rec)
    {
        OutgoingPublish? entry;
        OutgoingPublish? next = null;
        bool refused = false;
        lock (_sync)
        {
            if (_outgoing.TryGetValue(rec.PacketId, out entry))
            {
                if (entry.Packet.QoS != QualityOfService.ExactlyOnce)
                {
                    throw new MqttProtocolException(ReasonCode.ProtocolError, string.Empty, $"PUBREC for Packet Identifier {rec.PacketId}, a QoS 1 message.");
                }

                if (rec.ReasonCode >= ReasonCode.UnspecifiedError)
                {
                    // 5.0 §4.3.3: a PUBREC failure ends the flow; no PUBREL.
                    refused = true;
                    _outgoing.Remove(rec.PacketId);
                    _packetIds.Release(rec.PacketId);
                    ReleaseSlotLocked();
                    next = connection.ResendBacklog.TryDequeue(out OutgoingPublish? queued) ? queued : null;
                }
                else
                {
                    entry.Released = true;
                    entry.PubRecReasonCode = rec.ReasonCode;
                    entry.PubRecProperties = rec.Properties;
                }
            }
        }

        if (refused)
        {
            entry!.TrySetException(PublishRefused(entry, rec));
        }
        else
        {
            // Also for an unknown identifier (5.0 §4.3.3: PUBREL with 0x92) so that the server can end its flow.
            await connection.SendAckAsync(MqttPacketType.PubRel, rec.PacketId, entry is null ? ReasonCode.PacketIdentifierNotFound : ReasonCode.Success).ConfigureAwait(false);
        }

        if (next is not null)
        {
            await SendFromBacklogAsync(connection, next).ConfigureAwait(false);
        }
    }

    private static MqttClientException PublishRefused(OutgoingPublish entry, PublishAcknowledgementPacket ack) =>
        new(
            MqttClientErrorKind.PublishRefused,
            $"The server refused the message on '{entry.Packet.Topic}' in its {ack.Type}",
            ack.ReasonCode,
            ack.Properties?.ReasonString);

    private static async ValueTask SendFromBacklogAsync(MqttClientConnection connection, OutgoingPublish entry)
    {
        await connection.AcquireWriteLockAsync().ConfigureAwait(false);
        try
        {
            WriteResendLocked(connection, entry);
            await connection.FlushLockedAsync().ConfigureAwait(false);
        }
        finally
        {
            connection.ReleaseWriteLock();
        }
    }

    private void CompleteRequest(ushort packetId, MqttPacket ack, int codeCount)
    {
        PendingRequest? request;
        lock (_sync)
        {
            if (!_requests.Remove(packetId, out request))
            {
                return;
            }

            _packetIds.Release(packetId);
        }

        if (request.ExpectedAck != ack.Type || codeCount != request.FilterCount)
        {
            var error = new MqttProtocolException(
                ReasonCode.ProtocolError,
                ack.Type == MqttPacketType.SubAck ? "MQTT-3.9.3-1" : "MQTT-3.11.3-1",
                $"{ack.Type} for Packet Identifier {packetId} has {codeCount} reason codes for {request.FilterCount} topic filters, or answers another request.");
            request.TrySetException(new MqttClientException(MqttClientErrorKind.ProtocolViolation, error.Message, ReasonCode.ProtocolError, innerException: error));
            throw error;
        }

        request.TrySetResult(ack);
    }

    /// <summary>
    /// Keep alive (5.0 §3.1.2.10): a PINGREQ when nothing was sent, or nothing received, for the keep alive
    /// interval; the connection is lost when a PINGREQ is outstanding, nothing at all has been received for 1.5 x
    /// the interval, and the server had at least half an interval to answer. While the receive loop is paused for
    /// backpressure the silence is ours, not the server's, so it does not count.
    /// </summary>
    private async Task KeepAliveLoopAsync(MqttClientConnection connection)
    {
        long interval = connection.KeepAliveSeconds * 1000L;
        long timeout = interval * 3 / 2;
        CancellationToken token = connection.Token;
        try
        {
            while (!token.IsCancellationRequested)
            {
                long now = Environment.TickCount64;
                if (connection.ReceivePaused)
                {
                    connection.MarkReceived();
                }

                long lastSent = connection.LastSent;
                long lastReceived = connection.LastReceived;
                long pingSentAt = connection.PingSentAt;
                long due;
                if (pingSentAt != 0)
                {
                    due = Math.Max(lastReceived + timeout, pingSentAt + (interval / 2));
                    if (now >= due)
                    {
                        var info = new MqttClientDisconnectedEventArgs(
                            MqttClientErrorKind.ConnectionLost,
                            $"Keep alive timeout: nothing received from the server for {(now - lastReceived) / 1000.0:0.0} s after PINGREQ (keep alive {connection.KeepAliveSeconds} s).");
                        await CloseConnectionAsync(connection, info, null, null).ConfigureAwait(false);
                        return;
                    }
                }
                else
                {
                    due = Math.Min(lastSent, lastReceived) + interval;
                    if (now >= due)
                    {
                        connection.PingSentAt = now;
                        await connection.SendAsync(PingReqPacket.Instance, token).ConfigureAwait(false);
                        continue;
                    }
                }

                await Task.Delay(TimeSpan.FromMilliseconds(Math.Clamp(due - now, 10, interval)), token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
            // The connection closed.
        }
        catch (MqttClientException)
        {
            // The connection closed while the PINGREQ was being written.
        }
    }
}
