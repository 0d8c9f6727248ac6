namespace MqttHealth.Broker.Testing;

/// <summary>The loopback ports one broker process listens on; 0 means that listener is off.</summary>
public sealed record BrokerPorts(int Mqtt, int Tls, int WebSocket, int Admin)
{
    /// <summary>Four distinct free loopback ports.</summary>
    public static BrokerPorts AllocateFree()
    {
        int[] ports = FreePorts.Allocate(4);
        return new BrokerPorts(ports[0], ports[1], ports[2], ports[3]);
    }
}
