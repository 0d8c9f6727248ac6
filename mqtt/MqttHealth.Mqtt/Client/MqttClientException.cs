using System.Globalization;
using MqttHealth.Mqtt.Protocol;

namespace MqttHealth.Mqtt.Client;

/// <summary>
/// The one error type of <see cref="MqttClient"/>: everything the server refuses or that ends a connection.
/// <see cref="Kind"/> says what happened; <see cref="ReasonCode"/> and <see cref="ReasonString"/> carry what the
/// server said (or, for <see cref="MqttClientErrorKind.ProtocolViolation"/> and
/// <see cref="MqttClientErrorKind.LimitExceeded"/>, the code the client used or applied). Caller bugs (an invalid
/// topic, a property the packet may not carry) are <see cref="ArgumentException"/> instead.
/// </summary>
public sealed class MqttClientException : Exception
{
    public MqttClientException()
        : this(MqttClientErrorKind.ConnectionLost, "The MQTT operation failed.")
    {
    }

    public MqttClientException(string message)
        : this(MqttClientErrorKind.ConnectionLost, message)
    {
    }

    public MqttClientException(string message, Exception innerException)
        : this(MqttClientErrorKind.ConnectionLost, message, innerException: innerException)
    {
    }

    public MqttClientException(
        MqttClientErrorKind kind,
        string message,
        ReasonCode? reasonCode = null,
        string? reasonString = null,
        Exception? innerException = null)
        : base(Format(message, reasonCode, reasonString), innerException)
    {
        Kind = kind;
        ReasonCode = reasonCode;
        ReasonString = reasonString;
    }

    public MqttClientErrorKind Kind { get; }

    /// <summary>
    /// The MQTT 5.0 reason code: the server's (CONNACK, PUBACK, PUBREC, DISCONNECT), or the one the client sent
    /// or applied. On a 3.1.1 CONNACK refusal it is the 5.0 code matching the return code; see <see cref="ConnectReturnCode"/>.
    /// </summary>
    public ReasonCode? ReasonCode { get; }

    /// <summary>The 3.1.1 CONNACK return code, for a refusal on a 3.1.1 connection.</summary>
    public ConnectReturnCode? ConnectReturnCode { get; init; }

    /// <summary>The server's Reason String property, when it sent one (5.0).</summary>
    public string? ReasonString { get; }

    /// <summary>The server's Server Reference property (CONNACK or DISCONNECT 0x9C/0x9D), when it sent one.</summary>
    public string? ServerReference { get; init; }

    private static string Format(string message, ReasonCode? code, string? reasonString)
    {
        if (code is null)
        {
            return message;
        }

        string text = string.Create(CultureInfo.InvariantCulture, $"{message} (reason code 0x{(byte)code.Value:X2} {code.Value})");
        return reasonString is null ? text : $"{text}: {reasonString}";
    }
}
