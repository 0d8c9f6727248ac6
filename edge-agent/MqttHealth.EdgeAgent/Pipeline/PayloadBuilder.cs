using Google.Protobuf;
using MqttHealth.EdgeAgent.Outbox;
using MqttHealth.Payloads.Clinical.V1;
using MqttHealth.Payloads.Schema;

namespace MqttHealth.EdgeAgent.Pipeline;

/// <summary>
/// The one place that turns a device's pending readings into payloads: an alarm on its own; vitals as a sample set
/// when one is due alone, else consolidated into sample batches (one patient, time order, at most
/// <c>maxSets</c> sets each). A batch names its patient once (or its context number); the pipeline then turns the
/// patient into the device's patient context (<see cref="ReadingPipeline"/>).
/// </summary>
public static class PayloadBuilder
{
    /// <summary>The send priority of a reading's payload: alarms, device statuses, everything else is vitals.</summary>
    public static OutboxPriority PriorityOf(ClinicalPayload payload)
    {
        ArgumentNullException.ThrowIfNull(payload);
        return payload.KindCase switch
        {
            ClinicalPayload.KindOneofCase.Alarm => OutboxPriority.Alarm,
            ClinicalPayload.KindOneofCase.Status => OutboxPriority.Status,
            _ => OutboxPriority.Vitals,
        };
    }

    public static List<BuiltPayload> Build(IReadOnlyList<PendingReading> readings, int maxSets)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxSets, 1);
        var result = new List<BuiltPayload>();
        var run = new List<PendingReading>();
        foreach (PendingReading reading in readings)
        {
            if (reading.Payload.KindCase != ClinicalPayload.KindOneofCase.SampleSet)
            {
                Flush(run, result);
                result.Add(new BuiltPayload(reading.Payload, [reading.Id], reading.AcceptedMs));
                continue;
            }

            if (run.Count > 0 && (run.Count >= maxSets || !Fits(run[^1].Payload.SampleSet, reading.Payload.SampleSet)))
            {
                Flush(run, result);
            }

            run.Add(reading);
        }

        Flush(run, result);
        return result;
    }

    /// <summary>A set may follow another in one batch: the same patient and context, not earlier (batch times are chained deltas).</summary>
    private static bool Fits(SampleSet previous, SampleSet next) =>
        previous.PatientRef.Equals(next.PatientRef) && previous.Context == next.Context && next.TimeMs >= previous.TimeMs;

    private static void Flush(List<PendingReading> run, List<BuiltPayload> result)
    {
        if (run.Count == 0)
        {
            return;
        }

        long oldest = run.Min(r => r.AcceptedMs);
        List<long> ids = [.. run.Select(r => r.Id)];
        if (run.Count == 1)
        {
            result.Add(new BuiltPayload(run[0].Payload, ids, oldest));
        }
        else
        {
            SampleSet[] sets = [.. run.Select(r => r.Payload.SampleSet)];
            ByteString patient = sets[0].PatientRef;
            result.Add(new BuiltPayload(new ClinicalPayload { SampleBatch = SampleSets.ToBatch(sets, sets[0].Context, patient) }, ids, oldest));
        }

        run.Clear();
    }
}
