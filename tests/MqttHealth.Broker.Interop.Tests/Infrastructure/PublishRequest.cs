namespace MqttHealth.Broker.Interop.Tests.Infrastructure;

/// <summary>
/// Messages to publish on one connection, in order, each acknowledged (QoS 1/2) before the client exits. An
/// empty <paramref name="Payloads"/> list publishes one zero-length payload (clears a retained message).
/// <paramref name="TopicAlias"/> (5.0): the first PUBLISH carries topic and alias, the rest the alias only.
/// <paramref name="WillTopic"/>: the publisher connects with a QoS 1 Will Message (<paramref name="WillPayload"/>),
/// which its DISCONNECT at the end must discard.
/// </summary>
public sealed record PublishRequest(
    ClientConnection Connection,
    string Topic,
    IReadOnlyList<string> Payloads,
    int QoS,
    bool Retain = false,
    ushort? TopicAlias = null,
    string? WillTopic = null,
    string WillPayload = "will");
