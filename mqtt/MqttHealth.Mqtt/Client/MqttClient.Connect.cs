// Connecting: the CONNECT packet, reading the CONNACK (with enhanced authentication) and activating the connection.
using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;
using System.Security.Authentication;
using MqttHealth.Mqtt.Codec;
using MqttHealth.Mqtt.Packets;
using MqttHealth.Mqtt.Protocol;

namespace MqttHealth.Mqtt.Client;

public sealed partial class MqttClient
{
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
}
