// Connection lifecycle: closing, send faults, keep alive and waiting for the connection loops.
using MqttHealth.Mqtt.Packets;

namespace MqttHealth.Mqtt.Client;

public sealed partial class MqttClient
{
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

    private static async Task AbandonAsync(MqttClientConnection connection, MqttPacket? disconnect)
    {
        connection.TryBeginClose();
        await connection.CloseAsync(disconnect, CloseTimeout).ConfigureAwait(false);
        await connection.Input.CompleteAsync().ConfigureAwait(false);
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
