using MqttHealth.Mqtt.Protocol;

namespace MqttHealth.Mqtt.Client;

/// <summary>Why a connection of <see cref="MqttClient"/> ended (see <see cref="MqttClient.Disconnected"/>).</summary>
public sealed class MqttClientDisconnectedEventArgs : EventArgs
{
    internal MqttClientDisconnectedEventArgs(
        MqttClientErrorKind kind,
        string message,
        ReasonCode? reasonCode = null,
        MqttProperties? properties = null,
        Exception? exception = null)
    {
        Kind = kind;
        Message = message;
        ReasonCode = reasonCode;
        Properties = properties;
        Exception = exception;
    }

    /// <summary>
    /// <see cref="MqttClientErrorKind.ClientDisconnected"/> (the application asked),
    /// <see cref="MqttClientErrorKind.ServerDisconnected"/>, <see cref="MqttClientErrorKind.ConnectionLost"/>
    /// or <see cref="MqttClientErrorKind.ProtocolViolation"/>.
    /// </summary>
    public MqttClientErrorKind Kind { get; }

    public bool ClientInitiated => Kind == MqttClientErrorKind.ClientDisconnected;

    /// <summary>A sentence describing what happened.</summary>
    public string Message { get; }

    /// <summary>The DISCONNECT reason code: the server's, or the one the client sent (5.0); null when no DISCONNECT was exchanged.</summary>
    public ReasonCode? ReasonCode { get; }

    /// <summary>The server's DISCONNECT properties (Reason String, Server Reference, User Properties), when it sent any.</summary>
    public MqttProperties? Properties { get; }

    public string? ReasonString => Properties?.ReasonString;

    /// <summary>The underlying error (socket error, <see cref="MqttProtocolException"/>), when there is one.</summary>
    public Exception? Exception { get; }

    internal MqttClientException ToException() =>
        new(Kind, Message, ReasonCode, Properties?.ReasonString, Exception) { ServerReference = Properties?.ServerReference };
}
