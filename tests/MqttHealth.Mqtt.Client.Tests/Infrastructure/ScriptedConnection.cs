using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;
using MqttHealth.Mqtt.Codec;
using MqttHealth.Mqtt.Packets;
using MqttHealth.Mqtt.Protocol;

namespace MqttHealth.Mqtt.Client.Tests.Infrastructure;

/// <summary>The server side of one connection to <see cref="ScriptedMqttServer"/>.</summary>
public sealed class ScriptedConnection : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly NetworkStream _stream;
    private readonly PipeReader _reader;

    internal ScriptedConnection(Socket socket)
    {
        _socket = socket;
        _stream = new NetworkStream(socket, ownsSocket: true);
        _reader = PipeReader.Create(_stream);
    }

    /// <summary>The version of the CONNECT received; packets are read and written with it.</summary>
    public MqttProtocolVersion Version { get; private set; } = MqttProtocolVersion.V500;

    /// <summary>Reads the next packet from the client; null when the client closed the connection.</summary>
    public async Task<MqttPacket?> ReadAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        while (true)
        {
            ReadResult result = await _reader.ReadAsync(cts.Token);
            ReadOnlySequence<byte> buffer = result.Buffer;
            if (MqttFrameReader.TryReadFrame(ref buffer, int.MaxValue, out MqttFrame frame))
            {
                MqttPacket packet = MqttPacketDecoder.Decode(frame, Version, PacketDirection.ClientToServer);
                _reader.AdvanceTo(buffer.Start);
                if (packet is ConnectPacket connect)
                {
                    Version = connect.ProtocolVersion;
                }

                return packet;
            }

            _reader.AdvanceTo(buffer.Start, buffer.End);
            if (result.IsCompleted)
            {
                return null;
            }
        }
    }

    /// <summary>Reads the next packet and checks its type.</summary>
    public async Task<T> ExpectAsync<T>(TimeSpan timeout)
        where T : MqttPacket
    {
        MqttPacket? packet = await ReadAsync(timeout);
        return packet as T ?? throw new InvalidOperationException($"Expected {typeof(T).Name}, got {packet?.Type.ToString() ?? "end of stream"}.");
    }

    /// <summary>Reads the CONNECT and answers with <paramref name="connAck"/> (default: success, no session).</summary>
    public async Task<ConnectPacket> AcceptConnectAsync(TimeSpan timeout, ConnAckPacket? connAck = null)
    {
        ConnectPacket connect = await ExpectAsync<ConnectPacket>(timeout);
        await SendAsync(connAck ?? new ConnAckPacket { ReasonCode = ReasonCode.Success });
        return connect;
    }

    public async Task SendAsync(MqttPacket packet)
    {
        var writer = new ArrayBufferWriter<byte>();
        MqttPacketEncoder.Encode(packet, Version, writer);
        await _stream.WriteAsync(writer.WrittenMemory);
    }

    public async Task SendRawAsync(byte[] bytes) => await _stream.WriteAsync(bytes);

    public async ValueTask DisposeAsync()
    {
        await _reader.CompleteAsync();
        await _stream.DisposeAsync();
        _socket.Dispose();
    }
}
