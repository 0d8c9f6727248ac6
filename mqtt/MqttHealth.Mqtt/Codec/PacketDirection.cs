namespace MqttHealth.Mqtt.Codec;

/// <summary>
/// Who sent the packet being decoded. A broker decodes <see cref="ClientToServer"/>, a client
/// <see cref="ServerToClient"/>; this lets the decoder reject packets and properties that only the other
/// side may send (a CONNACK from a client, a Subscription Identifier in a client's PUBLISH [MQTT-3.3.4-6]).
/// </summary>
public enum PacketDirection : byte
{
    /// <summary>Either side: only the rules that hold for both are checked.</summary>
    Unspecified = 0,
    ClientToServer = 1,
    ServerToClient = 2,
}
