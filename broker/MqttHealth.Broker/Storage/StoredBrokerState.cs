using MqttHealth.Broker.Messages;

namespace MqttHealth.Broker.Storage;

/// <summary>Everything <see cref="IBrokerStore.Load"/> reads back at start-up.</summary>
/// <param name="Sessions">Persistent sessions with their subscriptions, deliveries (messages resolved) and inbound QoS 2 ids.</param>
/// <param name="Retained">Retained messages, one per topic.</param>
/// <param name="MaxMessageId">The largest message id ever stored (0 if none); new ids continue above it.</param>
public sealed record StoredBrokerState(
    IReadOnlyList<StoredSession> Sessions,
    IReadOnlyList<BrokerMessage> Retained,
    long MaxMessageId)
{
    public static StoredBrokerState Empty { get; } = new([], [], 0);
}
