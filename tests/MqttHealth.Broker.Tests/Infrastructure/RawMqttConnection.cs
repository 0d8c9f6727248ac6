using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using MqttHealth.Mqtt.Codec;
using MqttHealth.Mqtt.Packets;
using MqttHealth.Mqtt.Protocol;

namespace MqttHealth.Broker.Tests.Infrastructure;

/// <summary>
/// A client made of a bare loopback socket and the codec, for what <see cref="Mqtt.Client.MqttClient"/> will
/// not do: misbehave (wrong first packet, second CONNECT, bad topic aliases, too many unacknowledged
/// messages), keep messages unacknowledged, resend with the same packet id, and look at the exact packets
/// and flags on the wire. Every read has a timeout; nothing is acknowledged unless the test sends it.
/// </summary>
public sealed class RawMqttConnection : IAsyncDisposable
{
    /// <summary>Upper bound for any single wait; generous for a loaded CI machine.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    private readonly Socket _socket;
    private readonly NetworkStream _stream;
    private readonly PipeReader _reader;
    private bool _closed;

    private RawMqttConnection(Socket socket, MqttProtocolVersion version)
    {
        _socket = socket;
        _stream = new NetworkStream(socket, ownsSocket: true);
        _reader = PipeReader.Create(_stream, new StreamPipeReaderOptions(leaveOpen: true));
        Version = version;
    }

    /// <summary>The version packets are encoded and decoded with; set by <see cref="ConnectAsync(ConnectPacket)"/>.</summary>
    public MqttProtocolVersion Version { get; set; }

    /// <summary>The CONNACK of the last <see cref="ConnectAsync(ConnectPacket)"/>.</summary>
    public ConnAckPacket? LastConnAck { get; private set; }

    /// <summary>Opens a TCP connection to the broker on 127.0.0.1 (no MQTT packet sent yet).</summary>
    public static async Task<RawMqttConnection> OpenAsync(int port, MqttProtocolVersion version = MqttProtocolVersion.V500)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port)).WaitAsync(Timeout);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        return new RawMqttConnection(socket, version);
    }

    /// <summary>Opens a connection and sends <paramref name="connect"/>; the CONNACK must be Success.</summary>
    public static async Task<RawMqttConnection> ConnectedAsync(int port, ConnectPacket connect)
    {
        var connection = await OpenAsync(port, connect.ProtocolVersion);
        try
        {
            var connack = await connection.ConnectAsync(connect);
            if (connack.ReasonCode != ReasonCode.Success)
            {
                throw new InvalidOperationException($"CONNECT refused with 0x{(byte)connack.ReasonCode:X2}.");
            }

            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    /// <summary>A CONNECT with the given id; keep alive off unless set, so the broker never times a test out.</summary>
    /// <summary>Sends a CONNECT the broker is expected to refuse: returns its CONNACK once the broker has also closed the connection.</summary>
    public static async Task<ConnAckPacket> RefusedAsync(int port, ConnectPacket connect)
    {
        await using var client = await OpenAsync(port, connect.ProtocolVersion);
        ConnAckPacket connack = await client.ConnectAsync(connect);
        await client.ExpectClosedAsync();
        return connack;
    }

    /// <summary>A CONNECT (clean start) with a user name and password.</summary>
    public static ConnectPacket ConnectWithPassword(string clientId, string user, string password, MqttProtocolVersion version = MqttProtocolVersion.V500)
    {
        ConnectPacket connect = Connect(clientId, version);
        connect.UserName = user;
        connect.Password = System.Text.Encoding.UTF8.GetBytes(password);
        return connect;
    }

    public static ConnectPacket Connect(
        string clientId,
        MqttProtocolVersion version = MqttProtocolVersion.V500,
        bool cleanStart = true,
        uint? sessionExpiry = null,
        ushort keepAlive = 0,
        MqttWill? will = null,
        ushort? receiveMaximum = null,
        uint? maximumPacketSize = null,
        ushort? topicAliasMaximum = null)
    {
        MqttProperties? properties = null;
        if (version == MqttProtocolVersion.V500 && (sessionExpiry ?? receiveMaximum ?? maximumPacketSize ?? (uint?)topicAliasMaximum) is not null)
        {
            properties = new MqttProperties
            {
                SessionExpiryInterval = sessionExpiry,
                ReceiveMaximum = receiveMaximum,
                MaximumPacketSize = maximumPacketSize,
                TopicAliasMaximum = topicAliasMaximum,
            };
        }

        return new ConnectPacket
        {
            ProtocolVersion = version,
            ClientId = clientId,
            CleanStart = cleanStart,
            KeepAlive = keepAlive,
            Will = will,
            Properties = properties,
        };
    }

    /// <summary>Sends CONNECT (switching <see cref="Version"/> to its version) and expects CONNACK.</summary>
    public async Task<ConnAckPacket> ConnectAsync(ConnectPacket connect)
    {
        Version = connect.ProtocolVersion;
        await SendAsync(connect);
        LastConnAck = await ExpectAsync<ConnAckPacket>();
        return LastConnAck;
    }

    public async Task SendAsync(MqttPacket packet)
    {
        var writer = new ArrayBufferWriter<byte>();
        MqttPacketEncoder.Encode(packet, Version, writer);
        await SendRawAsync(writer.WrittenMemory);
    }

    public async Task SendRawAsync(ReadOnlyMemory<byte> bytes) =>
        await _stream.WriteAsync(bytes).AsTask().WaitAsync(Timeout);

    public Task PublishAsync(string topic, string payload, QualityOfService qos = QualityOfService.AtMostOnce, ushort packetId = 0, bool retain = false, bool dup = false, MqttProperties? properties = null) =>
        SendAsync(new PublishPacket
        {
            Topic = topic,
            Payload = System.Text.Encoding.UTF8.GetBytes(payload),
            QoS = qos,
            PacketId = packetId,
            Retain = retain,
            Dup = dup,
            Properties = properties,
        });

    /// <summary>Sends SUBSCRIBE (packet id 1 unless given) and returns the SUBACK.</summary>
    public async Task<SubAckPacket> SubscribeAsync(MqttSubscription subscription, uint? subscriptionIdentifier = null, ushort packetId = 1)
    {
        var properties = subscriptionIdentifier is { } id ? new MqttProperties { SubscriptionIdentifiers = { id } } : null;
        await SendAsync(new SubscribePacket { PacketId = packetId, Subscriptions = [subscription], Properties = properties });
        var suback = await ExpectAsync<SubAckPacket>();
        if (suback.PacketId != packetId)
        {
            throw new InvalidOperationException($"SUBACK for packet id {suback.PacketId}, expected {packetId}.");
        }

        return suback;
    }

    public Task<SubAckPacket> SubscribeAsync(string topicFilter, QualityOfService qos) =>
        SubscribeAsync(new MqttSubscription(topicFilter, qos));

    /// <summary>
    /// Reads the next packet as the broker sent it (decoded as server-to-client, so a broker packet a server
    /// may not send fails here); null when the broker closed the connection.
    /// </summary>
    public async Task<MqttPacket?> ReadAsync(TimeSpan? timeout = null)
    {
        var frame = await ReadFrameAsync(timeout ?? Timeout, decode: true);
        return frame.Packet;
    }

    /// <summary>Reads the next packet and returns its exact bytes, fixed header included; null when closed.</summary>
    public async Task<byte[]?> ReadRawAsync(TimeSpan? timeout = null)
    {
        var frame = await ReadFrameAsync(timeout ?? Timeout, decode: false);
        return frame.Bytes;
    }

    /// <summary>Reads the next packet and checks its type.</summary>
    public async Task<T> ExpectAsync<T>(TimeSpan? timeout = null)
        where T : MqttPacket
    {
        var packet = await ReadAsync(timeout);
        return packet as T ?? throw new InvalidOperationException($"Expected {typeof(T).Name}, got {Describe(packet)}.");
    }

    public Task<PublishPacket> ExpectPublishAsync(TimeSpan? timeout = null) => ExpectAsync<PublishPacket>(timeout);

    /// <summary>Reads until the broker closes the connection and returns what came before the close.</summary>
    public async Task<IReadOnlyList<MqttPacket>> ExpectClosedAsync(TimeSpan? timeout = null)
    {
        var received = new List<MqttPacket>();
        var limit = timeout ?? Timeout;
        var clock = System.Diagnostics.Stopwatch.StartNew();

        // Bounded: every round returns, consumes a packet, or times out once the overall limit is spent.
        while (true)
        {
            var remaining = limit - clock.Elapsed;
            MqttPacket? packet;
            try
            {
                packet = remaining > TimeSpan.Zero ? await ReadAsync(remaining) : throw new TimeoutException();
            }
            catch (TimeoutException)
            {
                throw new TimeoutException($"The broker did not close the connection within {limit.TotalSeconds} s; before that it sent [{string.Join(", ", received.Select(Describe))}].");
            }

            if (packet is null)
            {
                return received;
            }

            received.Add(packet);
        }
    }

    /// <summary>Expects a DISCONNECT with <paramref name="reason"/> as the only packet before the broker closes the connection.</summary>
    public async Task<DisconnectPacket> ExpectDisconnectAndCloseAsync(ReasonCode reason, TimeSpan? timeout = null)
    {
        var packets = await ExpectClosedAsync(timeout);
        if (packets is not [DisconnectPacket disconnect])
        {
            throw new InvalidOperationException($"Expected only DISCONNECT 0x{(byte)reason:X2} before the close, got [{string.Join(", ", packets.Select(Describe))}].");
        }

        if (disconnect.ReasonCode != reason)
        {
            throw new InvalidOperationException($"Expected DISCONNECT 0x{(byte)reason:X2}, got 0x{(byte)disconnect.ReasonCode:X2} ({disconnect.Properties?.ReasonString}).");
        }

        return disconnect;
    }

    /// <summary>Closes the socket without DISCONNECT: to the broker an abrupt loss of the connection.</summary>
    public void Abort()
    {
        _closed = true;
        _socket.Close();
    }

    public async ValueTask DisposeAsync()
    {
        _closed = true;
        await _reader.CompleteAsync();
        await _stream.DisposeAsync();
        _socket.Dispose();
    }

    public static string Describe(MqttPacket? packet) => packet switch
    {
        null => "the end of the connection",
        PublishPacket p => $"PUBLISH(topic '{p.Topic}', id {p.PacketId}, QoS {(int)p.QoS}, dup {p.Dup}, retain {p.Retain})",
        DisconnectPacket d => $"DISCONNECT 0x{(byte)d.ReasonCode:X2} ({d.Properties?.ReasonString})",
        ConnAckPacket c => $"CONNACK 0x{(byte)c.ReasonCode:X2}",
        PublishAcknowledgementPacket a => $"{a.Type}(id {a.PacketId}, 0x{(byte)a.ReasonCode:X2})",
        _ => packet.Type.ToString(),
    };

    private async Task<(MqttPacket? Packet, byte[]? Bytes)> ReadFrameAsync(TimeSpan timeout, bool decode)
    {
        if (_closed)
        {
            throw new InvalidOperationException("The connection was closed by the test.");
        }

        using var cts = new CancellationTokenSource(timeout);

        // Bounded: each round consumes data, ends at the end of the stream, or is cancelled by the timeout.
        while (true)
        {
            ReadResult result;
            try
            {
                result = await _reader.ReadAsync(cts.Token);
            }
            catch (OperationCanceledException) when (cts.IsCancellationRequested)
            {
                throw new TimeoutException($"Nothing (or only part of a packet) arrived within {timeout.TotalSeconds} s.");
            }
            catch (Exception ex) when (ex is IOException or SocketException)
            {
                return (null, null); // reset by the broker: closed
            }

            var buffer = result.Buffer;
            if (MqttFrameReader.TryReadFrame(ref buffer, MqttFrameReader.MaxRemainingLength + 5, out var frame))
            {
                var consumed = result.Buffer.Slice(0, frame.PacketSize);
                var bytes = consumed.ToArray();
                var packet = decode ? MqttPacketDecoder.Decode(frame, Version, PacketDirection.ServerToClient) : null;
                _reader.AdvanceTo(buffer.Start);
                return (packet, bytes);
            }

            _reader.AdvanceTo(buffer.Start, buffer.End);
            if (result.IsCompleted)
            {
                if (!buffer.IsEmpty)
                {
                    throw new InvalidOperationException($"The connection ended inside a packet ({buffer.Length} bytes left over).");
                }

                return (null, null);
            }
        }
    }
}
