// The MQTT client: state, the public API and its small static helpers (argument and limit checks).
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
public sealed partial class MqttClient : IAsyncDisposable
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
        CancellationToken cancellationToken = default) =>
        PublishCoreAsync(topic, payload, qos, retain, 0, properties, cancellationToken);

    /// <summary>
    /// Publishes a QoS 1 or 2 message with a Packet Identifier the application chose, for an application that keeps
    /// its session on disk: it records the identifier with the message <em>before</em> the PUBLISH can reach the
    /// server, so that a restarted process can resume the message with <see cref="RestorePublish"/>. Otherwise as
    /// <see cref="PublishAsync(string, ReadOnlyMemory{byte}, QualityOfService, bool, MqttProperties?, CancellationToken)"/>.
    /// </summary>
    /// <exception cref="InvalidOperationException">The identifier is in use in this session.</exception>
    public ValueTask<MqttClientPublishResult> PublishAsync(
        string topic,
        ReadOnlyMemory<byte> payload,
        QualityOfService qos,
        bool retain,
        ushort packetId,
        MqttProperties? properties = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfZero(packetId);
        if (qos == QualityOfService.AtMostOnce)
        {
            throw new ArgumentException("A QoS 0 message has no Packet Identifier.", nameof(qos));
        }

        return PublishCoreAsync(topic, payload, qos, retain, packetId, properties, cancellationToken);
    }

    /// <summary>
    /// Puts a message of an earlier process's session back into this client's session, before it connects (with
    /// Clean Start 0): the application read it from disk with the Packet Identifier it was published under and whether
    /// its PUBREC had arrived (see <see cref="MqttClientOptions.PubRecReceived"/>). On a resumed session (Session
    /// Present = 1) the next <see cref="ConnectAsync"/> resends it with DUP = 1 and that identifier, or sends the
    /// PUBREL when the PUBREC had arrived [MQTT-4.4.0-1], in the order of the calls; with Session Present = 0 it fails
    /// with <see cref="MqttClientErrorKind.SessionLost"/> and the application publishes it again as a new message.
    /// </summary>
    /// <returns>Completes as a publish does: on PUBACK, or on PUBCOMP.</returns>
    /// <exception cref="InvalidOperationException">The client is connected, or the identifier is in use.</exception>
    public Task<MqttClientPublishResult> RestorePublish(
        ushort packetId,
        string topic,
        ReadOnlyMemory<byte> payload,
        QualityOfService qos,
        bool retain,
        bool pubRecReceived,
        MqttProperties? properties = null)
    {
        ArgumentOutOfRangeException.ThrowIfZero(packetId);
        ValidatePublish(topic, qos, properties);
        if (qos == QualityOfService.AtMostOnce || (pubRecReceived && qos != QualityOfService.ExactlyOnce))
        {
            throw new ArgumentException("Only QoS 1 and 2 messages are session state, and only QoS 2 has a PUBREC.", nameof(qos));
        }

        ObjectDisposedException.ThrowIf(_disposed, this);
        var packet = new PublishPacket
        {
            Topic = topic,
            Payload = payload,
            QoS = qos,
            Retain = retain,
            PacketId = packetId,
            Properties = Options.ProtocolVersion == MqttProtocolVersion.V500 ? properties : null,
        };
        int size = MqttPacketEncoder.GetPacketSize(packet, Options.ProtocolVersion);
        lock (_sync)
        {
            if (_connection is not null)
            {
                throw new InvalidOperationException("Restore a session before connecting: the client is connected.");
            }

            if (!_packetIds.TryReserve(packetId))
            {
                throw new InvalidOperationException($"Packet Identifier {packetId} is in use by another message or request of this session.");
            }

            var entry = new OutgoingPublish(packet, size, ++_sequence) { Sent = true, Released = pubRecReceived };
            _outgoing.Add(packetId, entry);
            _inflightCount++;
            return entry.Task;
        }
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

    private ValueTask<MqttClientPublishResult> PublishCoreAsync(
        string topic,
        ReadOnlyMemory<byte> payload,
        QualityOfService qos,
        bool retain,
        ushort packetId,
        MqttProperties? properties,
        CancellationToken cancellationToken)
    {
        ValidatePublish(topic, qos, properties);
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

        return PublishReliableAsync(connection, packet, size, packetId, cancellationToken);
    }


    private static void ValidatePublish(string topic, QualityOfService qos, MqttProperties? properties)
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
}
