using MqttHealth.Payloads.Clinical.V1;

namespace MqttHealth.EdgeAgent.Pipeline;

/// <summary>One payload to seal and the pending readings it carries.</summary>
/// <param name="Payload">A sample set, a sample batch or an alarm.</param>
/// <param name="ReadingIds">The pending rows it consumes (deleted when its envelope is committed).</param>
/// <param name="OldestAcceptedMs">When the oldest of them was accepted.</param>
public sealed record BuiltPayload(ClinicalPayload Payload, IReadOnlyList<long> ReadingIds, long OldestAcceptedMs);
