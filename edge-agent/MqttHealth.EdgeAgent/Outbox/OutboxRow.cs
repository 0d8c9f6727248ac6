namespace MqttHealth.EdgeAgent.Outbox;

/// <summary>
/// A stored outbox message, as the uplink reads it, with its MQTT session state: the Packet Identifier it was (or is
/// about to be) published under, 0 when none, and whether its PUBREC arrived (QoS 2: what is left is the PUBREL).
/// </summary>
public sealed record OutboxRow(long Id, OutboxEntry Entry, ushort PacketId = 0, bool PubRecReceived = false);
