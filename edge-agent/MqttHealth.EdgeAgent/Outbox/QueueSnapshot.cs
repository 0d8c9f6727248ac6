namespace MqttHealth.EdgeAgent.Outbox;

/// <summary>The queue at one moment: messages and readings waiting per priority, the oldest unsent reading, bytes used.</summary>
/// <param name="Messages">Outbox messages waiting, by priority name.</param>
/// <param name="Readings">Readings waiting (in outbox messages and still pending a batch), by priority name.</param>
/// <param name="OldestUnsentMs">When the oldest waiting reading was accepted (Unix ms); null when none waits.</param>
/// <param name="BytesUsed">What the disk budget counts.</param>
/// <param name="PendingReadings">Readings waiting for their batch (plaintext on disk).</param>
public sealed record QueueSnapshot(IReadOnlyDictionary<string, long> Messages, IReadOnlyDictionary<string, long> Readings, long? OldestUnsentMs, long BytesUsed, long PendingReadings);
