namespace MqttHealth.EdgeAgent.Outbox;

/// <summary>One message to store in the outbox: an envelope, an announcement or a status, with what the uplink needs to publish it.</summary>
/// <param name="Priority">Send order class.</param>
/// <param name="Device">The sender id (device) or the agent's client id for its status.</param>
/// <param name="Topic">The MQTT topic.</param>
/// <param name="Payload">The bytes to publish (ciphertext for envelopes).</param>
/// <param name="Qos">1 or 2.</param>
/// <param name="Retain">The retain flag (announcements and status).</param>
/// <param name="Readings">How many readings it carries (0 for announcements and status).</param>
/// <param name="OldestMs">When the oldest reading in it was accepted (Unix ms).</param>
public sealed record OutboxEntry(OutboxPriority Priority, string Device, string Topic, byte[] Payload, int Qos, bool Retain, int Readings, long OldestMs);
