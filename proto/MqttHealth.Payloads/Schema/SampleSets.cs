using Google.Protobuf;
using MqttHealth.Payloads.Clinical.V1;

namespace MqttHealth.Payloads.Schema;

/// <summary>
/// Helpers that keep a <see cref="SampleSet"/>'s parallel columns consistent, turn its scaled integers into decimals,
/// and move sample sets in and out of a <see cref="SampleBatch"/> (absolute times to chained deltas, the batch's
/// context and patient inherited).
/// </summary>
public static class SampleSets
{
    /// <summary>Appends a catalogued vital at its usual exponent (the exact decimal is required; see <see cref="ScaledValue.ToMantissa"/>).</summary>
    public static void Add(SampleSet set, VitalDefinition vital, decimal value, MidpointRounding? rounding = null)
    {
        ArgumentNullException.ThrowIfNull(vital);
        Add(set, vital.MdcCode, vital.Loinc, vital.Ucum, vital.Exponent, ScaledValue.ToMantissa(value, vital.Exponent, rounding));
    }

    /// <summary>
    /// Appends a sample by its own codes and unit: an MDC code (0 = none) and/or a LOINC code ("" = none), the UCUM unit,
    /// the decimal exponent and the scaled value. On time and valid: the set must not have time offset or status columns.
    /// </summary>
    public static void Add(SampleSet set, uint mdcCode, string loinc, string ucum, int exponent, int value)
    {
        ArgumentNullException.ThrowIfNull(set);
        ArgumentNullException.ThrowIfNull(loinc);
        ArgumentException.ThrowIfNullOrEmpty(ucum);
        if (mdcCode == 0 && loinc.Length == 0)
        {
            throw new ArgumentException("A sample needs an MDC code or a LOINC code.", nameof(loinc));
        }

        if (set.TimeOffsetsMs.Count != 0 || set.Statuses.Count != 0)
        {
            throw new InvalidOperationException("Add appends on-time, valid samples; this set has per-sample time offsets or statuses, so append to every column instead.");
        }

        ScaledValue.ToDecimal(value, exponent); // checks the exponent's range
        set.MdcCodes.Add(mdcCode);
        set.Loinc.Add(loinc);
        set.Ucum.Add(ucum);
        set.Exponents.Add(exponent);
        set.Values.Add(value);
    }

    /// <summary>The number of samples (the length of every identifying column).</summary>
    public static int Count(SampleSet set)
    {
        ArgumentNullException.ThrowIfNull(set);
        return set.Values.Count;
    }

    /// <summary>The decimal value of sample <paramref name="index"/>: value * 10^exponent.</summary>
    public static decimal GetDecimal(SampleSet set, int index)
    {
        Validate(set);
        return ScaledValue.ToDecimal(set.Values[index], set.Exponents[index]);
    }

    /// <summary>The catalogued vital sample <paramref name="index"/> is, or null when its codes and unit match no catalogue row.</summary>
    public static VitalDefinition? Definition(SampleSet set, int index)
    {
        ArgumentNullException.ThrowIfNull(set);
        return VitalsCatalogue.TryFind(set.MdcCodes[index], set.Loinc[index], set.Ucum[index], out VitalDefinition? definition) ? definition : null;
    }

    /// <summary>The time offset of sample <paramref name="index"/> (0 when the set has no offset column).</summary>
    public static int OffsetMs(SampleSet set, int index) => set.TimeOffsetsMs.Count != 0 ? set.TimeOffsetsMs[index] : 0;

    /// <summary>The status of sample <paramref name="index"/> (valid when the set has no status column).</summary>
    public static MeasurementStatus Status(SampleSet set, int index) => set.Statuses.Count != 0 ? set.Statuses[index] : MeasurementStatus.Valid;

    /// <summary>
    /// Throws <see cref="InvalidDataException"/> when the columns disagree in length, a sample has neither an MDC nor a
    /// LOINC code, lacks its unit, or has an exponent outside ±<see cref="ScaledValue.MaxExponentMagnitude"/>.
    /// </summary>
    public static void Validate(SampleSet set)
    {
        ArgumentNullException.ThrowIfNull(set);
        var count = set.Values.Count;
        CheckColumn("MDC codes", set.MdcCodes.Count, count, optional: false);
        CheckColumn("LOINC codes", set.Loinc.Count, count, optional: false);
        CheckColumn("UCUM units", set.Ucum.Count, count, optional: false);
        CheckColumn("exponents", set.Exponents.Count, count, optional: false);
        CheckColumn("time offsets", set.TimeOffsetsMs.Count, count, optional: true);
        CheckColumn("statuses", set.Statuses.Count, count, optional: true);
        for (var i = 0; i < count; i++)
        {
            if (set.MdcCodes[i] == 0 && set.Loinc[i].Length == 0)
            {
                throw new InvalidDataException($"Sample {i} has neither an MDC code nor a LOINC code.");
            }

            if (set.Ucum[i].Length == 0)
            {
                throw new InvalidDataException($"Sample {i} has no UCUM unit (\"1\" for a dimensionless value).");
            }

            if (set.Exponents[i] is > ScaledValue.MaxExponentMagnitude or < -ScaledValue.MaxExponentMagnitude)
            {
                throw new InvalidDataException($"Sample {i} has exponent {set.Exponents[i]}, outside ±{ScaledValue.MaxExponentMagnitude}.");
            }
        }
    }

    /// <summary>
    /// A batch from sets that carry absolute times (Unix ms), in time order, for the association
    /// <paramref name="context"/> (and/or <paramref name="patientRef"/>). Sets that name exactly that association have
    /// theirs cleared (they inherit it). The input sets are not modified.
    /// </summary>
    public static SampleBatch ToBatch(ReadOnlySpan<SampleSet> sets, uint context, ByteString patientRef)
    {
        ArgumentNullException.ThrowIfNull(patientRef);
        if (sets.IsEmpty)
        {
            throw new ArgumentException("A batch holds at least one sample set.", nameof(sets));
        }

        var batch = new SampleBatch { Context = context, PatientRef = patientRef, BaseTimeMs = sets[0].TimeMs };
        var previous = sets[0].TimeMs;
        foreach (var set in sets)
        {
            if (set.TimeMs < previous)
            {
                throw new ArgumentException("Sample sets in a batch must be in time order.", nameof(sets));
            }

            var copy = set.Clone();
            copy.TimeMs = set.TimeMs - previous;
            if (copy.Context == context && copy.PatientRef.Equals(patientRef))
            {
                copy.Context = 0;
                copy.PatientRef = ByteString.Empty;
            }

            previous = set.TimeMs;
            batch.Sets.Add(copy);
        }

        return batch;
    }

    /// <summary>
    /// The batch's sets with absolute times; a set that names neither a context nor a patient gets the batch's (new
    /// objects; the batch is not modified).
    /// </summary>
    public static List<SampleSet> FromBatch(SampleBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var result = new List<SampleSet>(batch.Sets.Count);
        var time = batch.BaseTimeMs;
        foreach (var set in batch.Sets)
        {
            time = checked(time + set.TimeMs);
            var copy = set.Clone();
            copy.TimeMs = time;
            if (copy.Context == 0 && copy.PatientRef.IsEmpty)
            {
                copy.Context = batch.Context;
                copy.PatientRef = batch.PatientRef;
            }

            result.Add(copy);
        }

        return result;
    }

    private static void CheckColumn(string name, int actual, int count, bool optional)
    {
        if (actual != count && !(optional && actual == 0))
        {
            throw new InvalidDataException(optional
                ? $"Sample set has {count} values but {actual} {name} (expected none or one per sample)."
                : $"Sample set has {count} values but {actual} {name} (expected one per sample).");
        }
    }
}
