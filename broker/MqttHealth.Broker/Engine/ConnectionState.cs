namespace MqttHealth.Broker.Engine;

internal enum ConnectionState
{
    /// <summary>Waiting for the first packet, which must be CONNECT [MQTT-3.1.0-1].</summary>
    AwaitingConnect = 0,

    /// <summary>CONNECT accepted; CONNACK may still be waiting for storage.</summary>
    Connected = 1,

    /// <summary>Closing: nothing more is read; what is queued for sending is flushed, then the transport ends.</summary>
    Closing = 2,
}
