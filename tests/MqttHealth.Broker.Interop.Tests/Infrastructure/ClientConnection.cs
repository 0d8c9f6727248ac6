using MqttHealth.Mqtt.Protocol;

namespace MqttHealth.Broker.Interop.Tests.Infrastructure;

/// <summary>
/// How a third-party client connects. <paramref name="CleanStart"/> is Clean Session on 3.1.1 and Clean Start on
/// 5.0; <paramref name="SessionExpirySeconds"/> is sent on 5.0 only (3.1.1 sessions last until cleaned).
/// </summary>
public sealed record ClientConnection(
    MqttProtocolVersion Version,
    string ClientId,
    ClientTransport Transport = ClientTransport.Tcp,
    bool CleanStart = true,
    uint? SessionExpirySeconds = null);
