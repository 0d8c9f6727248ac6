using MqttHealth.Mqtt.Protocol;

namespace MqttHealth.Broker.Storage;

/// <summary>A persistent session as it is stored and loaded.</summary>
/// <param name="ClientId">The MQTT Client Identifier (the key).</param>
/// <param name="ProtocolVersion">The protocol the session last connected with.</param>
/// <param name="SessionExpiryInterval">Seconds after disconnect before the session is discarded; uint.MaxValue never expires.</param>
/// <param name="DisconnectedAtUnixMs">When the client last disconnected; null while connected (or never recorded).</param>
/// <param name="Owner">
/// The principal the client id belongs to (<c>kind:name</c>); another principal connecting with it is refused. Null when
/// unknown (stored by schema version 1, or rebuilt by the recover command): the first principal to connect claims it.
/// </param>
public sealed record StoredSession(
    string ClientId,
    MqttProtocolVersion ProtocolVersion,
    uint SessionExpiryInterval,
    long? DisconnectedAtUnixMs,
    string? Owner = null)
{
    /// <summary>Filled by <see cref="IBrokerStore.Load"/>; empty when saving.</summary>
    public IReadOnlyList<StoredSubscription> Subscriptions { get; init; } = [];

    /// <summary>Filled by <see cref="IBrokerStore.Load"/>, ordered by <see cref="StoredDelivery.Sequence"/>.</summary>
    public IReadOnlyList<StoredDelivery> Deliveries { get; init; } = [];

    /// <summary>Filled by <see cref="IBrokerStore.Load"/>: QoS 2 packet ids received (PUBREC sent) and not yet released.</summary>
    public IReadOnlyList<ushort> InboundQos2PacketIds { get; init; } = [];
}
