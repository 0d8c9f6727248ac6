namespace MqttHealth.Broker.Engine;

/// <summary>What routing one message produced.</summary>
/// <param name="Deliveries">Deliveries to hand to their sessions once the message is durable; null when none.</param>
/// <param name="Matched">True when any subscription matched (even if every delivery was then dropped); 5.0 PUBACK says 0x10 otherwise.</param>
internal readonly record struct RouteResult(List<(Session Session, Delivery Delivery)>? Deliveries, bool Matched);
