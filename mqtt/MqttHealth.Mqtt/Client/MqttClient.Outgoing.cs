// Outgoing flows: QoS 1/2 publishes, the inflight window, session resend, and subscribe/unsubscribe requests.
using MqttHealth.Mqtt.Packets;
using MqttHealth.Mqtt.Protocol;

namespace MqttHealth.Mqtt.Client;

public sealed partial class MqttClient
{
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

    private async ValueTask<MqttClientPublishResult> PublishReliableAsync(MqttClientConnection connection, PublishPacket packet, int size, ushort packetId, CancellationToken cancellationToken)
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

            ushort id = packetId;
            if (id != 0 && !_packetIds.TryReserve(id))
            {
                ReleaseSlotLocked();
                throw new InvalidOperationException($"Packet Identifier {id} is in use by another message or request of this session.");
            }

            if (id == 0 && !_packetIds.TryAllocate(out id))
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
            if (entry is not null && Options.PubRecReceived is { } recorded)
            {
                // The application's record of the PUBREC comes before the PUBREL that lets the server forget the message.
                await recorded(rec.PacketId).ConfigureAwait(false);
            }

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
}
