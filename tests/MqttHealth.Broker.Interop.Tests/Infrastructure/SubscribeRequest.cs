namespace MqttHealth.Broker.Interop.Tests.Infrastructure;

/// <summary>
/// A subscriber to start. <paramref name="ExpectedCount"/> messages end it successfully; 0 means it runs until
/// killed. With <paramref name="Subscribe"/> false it only reconnects (to resume a persistent session);
/// with <paramref name="ExitAfterSubscribe"/> it disconnects cleanly right after SUBACK.
/// <paramref name="TopicAliasMaximum"/> (5.0) lets the broker send topic aliases to this subscriber.
/// </summary>
public sealed record SubscribeRequest(
    ClientConnection Connection,
    IReadOnlyList<string> TopicFilters,
    int QoS,
    int ExpectedCount,
    bool Subscribe = true,
    bool ExitAfterSubscribe = false,
    ushort? TopicAliasMaximum = null);
