namespace MqttHealth.Mqtt.Protocol;

/// <summary>MQTT 3.1.1 CONNACK return codes (3.1.1 §3.2.2.3, table 3.1).</summary>
public enum ConnectReturnCode : byte
{
    Accepted = 0,
    UnacceptableProtocolVersion = 1,
    IdentifierRejected = 2,
    ServerUnavailable = 3,
    BadUserNameOrPassword = 4,
    NotAuthorized = 5,
}
