namespace MqttHealth.Broker.Interop.Tests.Infrastructure;

/// <summary>Unique topics and client ids, so tests sharing one broker never see each other's traffic.</summary>
public static class TestNames
{
    public static string Topic(string purpose) => $"interop/{purpose}/{Guid.NewGuid():N}";

    /// <summary>23 characters of 0-9a-zA-Z, what every 3.1.1 server must accept [MQTT-3.1.3-5].</summary>
    public static string ClientId(string prefix) => (prefix + Guid.NewGuid().ToString("N"))[..23];
}
