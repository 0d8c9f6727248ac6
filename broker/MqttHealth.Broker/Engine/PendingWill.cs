using MqttHealth.Broker.Messages;

namespace MqttHealth.Broker.Engine;

/// <summary>A will waiting for its Will Delay Interval to end [MQTT-3.1.3-9].</summary>
/// <param name="Message">The will, ready to route.</param>
/// <param name="ExpiryInterval">The will's Message Expiry Interval (seconds), counted from publication.</param>
/// <param name="PublishAtUnixMs">When to publish it (will delay, capped by session expiry).</param>
internal sealed record PendingWill(BrokerMessage Message, uint? ExpiryInterval, long PublishAtUnixMs);
