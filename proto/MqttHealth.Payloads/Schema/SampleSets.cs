using MqttHealth.Payloads.Clinical.V1;

namespace MqttHealth.Payloads.Schema;

/// <summary>
/// Helpers that keep a <see cref="SampleSet"/>'s parallel arrays consistent and turn its scaled integers into
/// decimals, and that move sample sets in and out of a <see cref="SampleBatch"/> (absolute times to chained deltas).
/// </summary>
public static class SampleSets
{
    /// <summary>Appends a catalogue sample at its catalogue exponent (the exact decimal is required; see <see cref="ScaledValue.ToMantissa"/>).</summary>
    public static void Add(SampleSet set, VitalCode code, decimal value, MidpointRounding? rounding = null)
    {
        var definition = VitalsCatalogue.Get(code);
        if (set.Exponents.Count != 0 || set.TimeOffsetsMs.Count != 0 || set.Statuses.Count != 0)
        {
            throw new InvalidOperationException("Add appends default-exponent, on-time, valid samples; this set has per-sample columns, so append to every column instead.");
        }
        var mantissa = ScaledValue.ToMantissa(value, definition.Exponent, rounding);
        set.Codes.Add(code);
        set.Values.Add(mantissa);
    }

    /// <summary>The decimal value of sample <paramref name="index"/>, with its exponent (per-sample or the catalogue's).</summary>
    public static decimal GetDecimal(SampleSet set, int index)
    {
        Validate(set);
        var exponent = set.Exponents.Count != 0 ? set.Exponents[index] : VitalsCatalogue.Get(set.Codes[index]).Exponent;
        return ScaledValue.ToDecimal(set.Values[index], exponent);
    }

    /// <summary>Throws <see cref="InvalidDataException"/> when the parallel arrays disagree or a code is not catalogued.</summary>
    public static void Validate(SampleSet set)
    {
        var count = set.Codes.Count;
        if (set.Values.Count != count)
        {
            throw new InvalidDataException($"Sample set has {count} codes but {set.Values.Count} values.");
        }
        CheckColumn("exponents", set.Exponents.Count, count);
        CheckColumn("time offsets", set.TimeOffsetsMs.Count, count);
        CheckColumn("statuses", set.Statuses.Count, count);
        foreach (var code in set.Codes)
        {
            if (!VitalsCatalogue.TryGet(code, out _))
            {
                throw new InvalidDataException($"Sample set has vital code {(int)code}, which is not in the v1 catalogue.");
            }
        }
    }

    /// <summary>
    /// A batch from sets that carry absolute times (Unix ms), in time order. Sets whose patient equals
    /// <paramref name="patientRef"/> have theirs cleared. The input sets are not modified.
    /// </summary>
    public static SampleBatch ToBatch(ReadOnlySpan<SampleSet> sets, Google.Protobuf.ByteString patientRef)
    {
        if (sets.IsEmpty)
        {
            throw new ArgumentException("A batch holds at least one sample set.", nameof(sets));
        }
        var batch = new SampleBatch { PatientRef = patientRef, BaseTimeMs = sets[0].TimeMs };
        var previous = sets[0].TimeMs;
        foreach (var set in sets)
        {
            if (set.TimeMs < previous)
            {
                throw new ArgumentException("Sample sets in a batch must be in time order.", nameof(sets));
            }
            var copy = set.Clone();
            copy.TimeMs = set.TimeMs - previous;
            if (copy.PatientRef.Equals(patientRef))
            {
                copy.PatientRef = Google.Protobuf.ByteString.Empty;
            }
            previous = set.TimeMs;
            batch.Sets.Add(copy);
        }
        return batch;
    }

    /// <summary>The batch's sets with absolute times and their patient filled in (new objects; the batch is not modified).</summary>
    public static List<SampleSet> FromBatch(SampleBatch batch)
    {
        var result = new List<SampleSet>(batch.Sets.Count);
        var time = batch.BaseTimeMs;
        foreach (var set in batch.Sets)
        {
            time = checked(time + set.TimeMs);
            var copy = set.Clone();
            copy.TimeMs = time;
            if (copy.PatientRef.IsEmpty)
            {
                copy.PatientRef = batch.PatientRef;
            }
            result.Add(copy);
        }
        return result;
    }

    private static void CheckColumn(string name, int actual, int count)
    {
        if (actual != 0 && actual != count)
        {
            throw new InvalidDataException($"Sample set has {count} samples but {actual} {name} (expected none or one per sample).");
        }
    }
}
