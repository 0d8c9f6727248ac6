using System.Globalization;
using System.Text.Json;
using MqttHealth.Payloads.Clinical.V1;
using MqttHealth.Payloads.Schema;

namespace MqttHealth.Bench.PayloadSizes;

/// <summary>
/// The least FHIR R4 JSON that carries a sample set as the vital-signs profile asks: one Observation per sample
/// (status, the vital-signs category, the LOINC code, subject, effectiveDateTime, valueQuantity with its UCUM unit),
/// gathered in one Bundle of type "collection" per message (a batch: every set's Observations in one Bundle).
/// Minified, no ids, no meta, no display texts: a lower bound on what a FHIR mapper would send. Written here only to
/// measure size; the SDK's FHIR mapper is not on this branch.
/// </summary>
internal static class FhirJson
{
    private static readonly JsonWriterOptions Options = new() { Indented = false, SkipValidation = false };

    public static byte[] SampleSet(SampleSet set) => Bundle(writer => WriteSet(writer, set, set.PatientRef.ToByteArray(), (long)set.TimeMs));

    public static byte[] Batch(SampleBatch batch) => Bundle(writer =>
    {
        var time = (long)batch.BaseTimeMs;
        foreach (var set in batch.Sets)
        {
            time += (long)set.TimeMs;
            var patient = set.PatientRef.IsEmpty ? batch.PatientRef : set.PatientRef;
            WriteSet(writer, set, patient.ToByteArray(), time);
        }
    });

    private static byte[] Bundle(Action<Utf8JsonWriter> entries)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream, Options))
        {
            writer.WriteStartObject();
            writer.WriteString("resourceType", "Bundle");
            writer.WriteString("type", "collection");
            writer.WriteStartArray("entry");
            entries(writer);
            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        return stream.ToArray();
    }

    private static void WriteSet(Utf8JsonWriter writer, SampleSet set, byte[] patientRef, long timeMs)
    {
        if (set.Extended.Count > 0)
        {
            throw new NotSupportedException("This size writer covers catalogue vitals only; the corpus has none outside it.");
        }

        var subject = "Patient/" + Convert.ToHexStringLower(patientRef);
        for (var i = 0; i < set.Codes.Count; i++)
        {
            var vital = VitalsCatalogue.Get(set.Codes[i]);
            var exponent = set.Exponents.Count > 0 ? set.Exponents[i] : vital.Exponent;
            var at = timeMs + (set.TimeOffsetsMs.Count > 0 ? set.TimeOffsetsMs[i] : 0);
            writer.WriteStartObject();
            writer.WriteStartObject("resource");
            writer.WriteString("resourceType", "Observation");
            writer.WriteString("status", "final");
            writer.WriteStartArray("category");
            writer.WriteStartObject();
            writer.WriteStartArray("coding");
            writer.WriteStartObject();
            writer.WriteString("system", "http://terminology.hl7.org/CodeSystem/observation-category");
            writer.WriteString("code", "vital-signs");
            writer.WriteEndObject();
            writer.WriteEndArray();
            writer.WriteEndObject();
            writer.WriteEndArray();
            writer.WriteStartObject("code");
            writer.WriteStartArray("coding");
            writer.WriteStartObject();
            writer.WriteString("system", "http://loinc.org");
            writer.WriteString("code", vital.Loinc);
            writer.WriteEndObject();
            writer.WriteEndArray();
            writer.WriteEndObject();
            writer.WriteStartObject("subject");
            writer.WriteString("reference", subject);
            writer.WriteEndObject();
            writer.WriteString("effectiveDateTime", DateTimeOffset.FromUnixTimeMilliseconds(at).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));
            writer.WriteStartObject("valueQuantity");
            writer.WritePropertyName("value");
            writer.WriteRawValue(ScaledValue.ToDecimal(set.Values[i], exponent).ToString(CultureInfo.InvariantCulture));
            writer.WriteString("unit", vital.Ucum);
            writer.WriteString("system", "http://unitsofmeasure.org");
            writer.WriteString("code", vital.Ucum);
            writer.WriteEndObject();
            writer.WriteEndObject();
            writer.WriteEndObject();
        }
    }
}
