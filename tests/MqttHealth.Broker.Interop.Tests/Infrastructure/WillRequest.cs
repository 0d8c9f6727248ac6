namespace MqttHealth.Broker.Interop.Tests.Infrastructure;

/// <summary>
/// A client that connects with this Will Message. Without <paramref name="DisconnectNormally"/> it stays
/// connected until the test kills it; with it, it sends DISCONNECT (normal disconnection) right away and exits.
/// </summary>
public sealed record WillRequest(
    ClientConnection Connection,
    string WillTopic,
    string WillPayload,
    int WillQoS,
    bool WillRetain = false,
    bool DisconnectNormally = false);
