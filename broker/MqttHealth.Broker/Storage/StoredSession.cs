using MqttHealth.Mqtt.Protocol;

namespace MqttHealth.Broker.Storage;

/// <summary>A persistent session as it is stored and loaded.</summary>
/// <param name="ClientId">The MQTT Client Identifier (the key).</param>
/// <param name="ProtocolVersion">The protocol the session last connected with.</param>
/// <param name="SessionExpiryInterval">Seconds after disconnect before the session is discarded; uint.MaxValue never expires.</param>
/// <param name="DisconnectedAtUnixMs">When the client last disconnected; null while connected (or never recorded).</param>
public sealed record StoredSession(
    string ClientId,
    MqttProtocolVersion ProtocolVersion,
    uint SessionExpiryInterval,
    long? DisconnectedAtUnixMs)
{
    /// <summary>Filled by <see cref="IBrokerStore.Load"/>; empty when saving.</summary>
    public IReadOnlyList<StoredSubscription> Subscriptions { get; init; } = [];

    /// <summary>Filled by <see cref="IBrokerStore.Load"/>, ordered by <see cref="StoredDelivery.Sequence"/>.</summary>
    public IReadOnlyList<StoredDelivery> Deliveries { get; init; } = [];

    /// <summary>Filled by <see cref="IBrokerStore.Load"/>: QoS 2 packet ids received (PUBREC sent) and not yet released.</summary>
    public IReadOnlyList<ushort> InboundQos2PacketIds { get; init; } = [];
}
