namespace MqttHealth.Mqtt.Client;

/// <summary>What went wrong, for a <see cref="MqttClientException"/> or a <see cref="MqttClientDisconnectedEventArgs"/>.</summary>
public enum MqttClientErrorKind
{
    /// <summary>The TCP connection or the TLS handshake failed, or the server closed the connection before its CONNACK.</summary>
    ConnectFailed,

    /// <summary>No CONNACK within <see cref="MqttClientOptions.ConnectTimeout"/>.</summary>
    ConnectTimeout,

    /// <summary>The server refused the connection: a CONNACK reason code of 0x80 or more (5.0) or a non-zero return code (3.1.1).</summary>
    ConnectRefused,

    /// <summary>The operation needs a connection and there is none.</summary>
    NotConnected,

    /// <summary>
    /// Refused on the client before anything was sent, because the server said it would not accept it
    /// (Maximum Packet Size, Maximum QoS, Retain Available, Wildcard / Subscription Identifier / Shared
    /// Subscription Available) or no Packet Identifier was free. <see cref="MqttClientException.ReasonCode"/> is
    /// the code the server would have used (0x95, 0x9B, 0x9A, 0xA2, 0xA1, 0x9E).
    /// </summary>
    LimitExceeded,

    /// <summary>The server answered a PUBLISH with a failure: PUBACK or PUBREC reason code 0x80 or more (5.0 only).</summary>
    PublishRefused,

    /// <summary>The server sent DISCONNECT (5.0); the reason code and reason string are the server's.</summary>
    ServerDisconnected,

    /// <summary>The network connection ended without a DISCONNECT: closed, reset, or keep alive timeout.</summary>
    ConnectionLost,

    /// <summary>The server broke the protocol; the client disconnected with the reason code in the exception (5.0).</summary>
    ProtocolViolation,

    /// <summary>
    /// The server's CONNACK said Session Present = 0, so QoS 1 and 2 messages still unacknowledged from the
    /// previous connection cannot be completed; they were not resent.
    /// </summary>
    SessionLost,

    /// <summary>The application disconnected or disposed the client while the operation was pending.</summary>
    ClientDisconnected,
}
