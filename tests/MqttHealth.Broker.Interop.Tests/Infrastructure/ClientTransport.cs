namespace MqttHealth.Broker.Interop.Tests.Infrastructure;

/// <summary>Which of the broker's listeners a client connects to.</summary>
public enum ClientTransport
{
    /// <summary>MQTT over TCP (<c>--port</c>).</summary>
    Tcp,

    /// <summary>MQTT over TLS (<c>--tls-port</c>), trusting the broker's development certificate.</summary>
    Tls,

    /// <summary>MQTT over WebSocket at <c>ws://127.0.0.1:{ws}/mqtt</c> (<c>--ws-port</c>).</summary>
    WebSocket,
}
