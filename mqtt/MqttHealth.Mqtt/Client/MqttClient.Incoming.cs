// Incoming packets: the receive loop, PUBLISH handling, topic aliases, Receive Maximum and delivery.
using System.Buffers;
using System.IO.Pipelines;
using MqttHealth.Mqtt.Codec;
using MqttHealth.Mqtt.Packets;
using MqttHealth.Mqtt.Protocol;

namespace MqttHealth.Mqtt.Client;

public sealed partial class MqttClient
{
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
}
