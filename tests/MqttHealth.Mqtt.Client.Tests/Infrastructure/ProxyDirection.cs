namespace MqttHealth.Mqtt.Client.Tests.Infrastructure;

public enum ProxyDirection
{
    ClientToServer,
    ServerToClient,
}
