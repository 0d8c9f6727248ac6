using MqttHealth.Broker.Messages;

namespace MqttHealth.Broker.Storage;

/// <summary>
/// One change to the broker's durable state. The engine describes what changed; the store applies a batch
/// of operations in one transaction (group commit). Messages are stored once and referenced by deliveries
/// and by the retained table; the store deletes a message when nothing references it any more.
/// </summary>
public abstract record StoreOperation;

/// <summary>
/// Insert or update the session row (not its children). It must come before (in the same or an earlier
/// batch) any subscription, delivery or inbound QoS 2 id of the client: the SQLite store refuses a batch
/// that would leave such rows without a session.
/// </summary>
public sealed record SaveSession(StoredSession Session) : StoreOperation;

/// <summary>Delete the session with its subscriptions, deliveries and inbound QoS 2 ids (and the messages nothing refers to any more).</summary>
public sealed record DeleteSession(string ClientId) : StoreOperation;

public sealed record SaveSubscription(string ClientId, StoredSubscription Subscription) : StoreOperation;

public sealed record DeleteSubscription(string ClientId, string TopicFilter) : StoreOperation;

/// <summary>
/// Insert the message if its id is not stored yet (idempotent). A message that nothing (no delivery, no
/// retained entry) refers to at the end of the batch is not kept; its id still counts for
/// <see cref="StoredBrokerState.MaxMessageId"/>.
/// </summary>
public sealed record SaveMessage(BrokerMessage Message) : StoreOperation;

/// <summary>Insert or update a delivery (key: client id + sequence). Stores its message too if that id is not stored yet.</summary>
public sealed record SaveDelivery(string ClientId, StoredDelivery Delivery) : StoreOperation;

public sealed record DeleteDelivery(string ClientId, long Sequence) : StoreOperation;

/// <summary>A QoS 2 PUBLISH was received and PUBREC will be sent: remember its packet id until PUBREL.</summary>
public sealed record SaveInboundQos2(string ClientId, ushort PacketId) : StoreOperation;

public sealed record DeleteInboundQos2(string ClientId, ushort PacketId) : StoreOperation;

/// <summary>Make the message the retained message of its topic, replacing any earlier one. Stores the message too if that id is not stored yet.</summary>
public sealed record SetRetained(BrokerMessage Message) : StoreOperation;

/// <summary>Clear the retained message of a topic (an empty retained PUBLISH, or expiry).</summary>
public sealed record ClearRetained(string Topic) : StoreOperation;

/// <summary>Several operations that belong together (one received PUBLISH with all its deliveries).</summary>
public sealed record CompositeOperation(IReadOnlyList<StoreOperation> Operations) : StoreOperation;
