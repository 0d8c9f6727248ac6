namespace MqttHealth.Mqtt.Client.Tests.Infrastructure;

/// <summary>What <see cref="MqttTestProxy"/> does with a packet.</summary>
public enum ProxyAction
{
    Forward,

    /// <summary>Swallow the packet; the connection stays up.</summary>
    Drop,

    /// <summary>Do not forward it and close both sockets of the connection, as a network cut would.</summary>
    Cut,
}
