using System.Globalization;
using System.Text.Json;
using MqttHealth.Payloads.Clinical.V1;
using MqttHealth.Payloads.Schema;

namespace MqttHealth.Payloads.Sdk;

/// <summary>How <see cref="FhirVitalSigns"/> names the patient, the device and the observations.</summary>
public sealed class FhirOptions
{
    /// <summary>
    /// The identifier system of the patient: subject is <c>{"type":"Patient","identifier":{"system":S,"value":HEX}}</c>,
    /// a logical reference by the opaque patient_ref in lower-case hex (the receiver's MPI resolves it).
    /// </summary>
    public string PatientIdentifierSystem { get; init; } = "urn:mqtthealth:patient-ref";

    /// <summary>Instead: subject is <c>{"reference":"Patient/HEX"}</c> (when the FHIR server's Patient ids are those references).</summary>
    public bool PatientAsResourceId { get; init; }

    /// <summary>The sender id; when set, <c>device</c> is <c>{"identifier":{"system":"urn:mqtthealth:device","value":ID}}</c>.</summary>
    public string? Device { get; init; }

    /// <summary>When set (e.g. <c>mon-42/3/17</c>: sender, epoch, sequence), each Observation gets the identifier PREFIX/INDEX, system urn:mqtthealth:observation, so a store can drop duplicates.</summary>
    public string? IdentifierPrefix { get; init; }
}

/// <summary>
/// Maps sample sets to FHIR R4 Observations that meet the vital-signs profile
/// (http://hl7.org/fhir/R4/observation-vitalsigns.html): status, category vital-signs, a LOINC code (with the IEEE
/// 11073 MDC code as a second coding), subject, effectiveDateTime, valueQuantity in UCUM, or a dataAbsentReason; blood
/// pressure as the panel 85354-9 with systolic and diastolic components. Written with <see cref="Utf8JsonWriter"/>.
/// </summary>
public static class FhirVitalSigns
{
    public const string CategorySystem = "http://terminology.hl7.org/CodeSystem/observation-category";
    public const string LoincSystem = "http://loinc.org";
    public const string MdcSystem = "urn:iso:std:iso:11073:10101";
    public const string UcumSystem = "http://unitsofmeasure.org";
    public const string DataAbsentReasonSystem = "http://terminology.hl7.org/CodeSystem/data-absent-reason";
    public const string ProfileBase = "http://hl7.org/fhir/StructureDefinition/";
    public const string BloodPressurePanel = "85354-9";

    /// <summary>The FHIR Observation.status of a device measurement status (docs/sdk.md explains the choice).</summary>
    public static string Status(MeasurementStatus status) => status switch
    {
        MeasurementStatus.Valid => "final",
        MeasurementStatus.Questionable or MeasurementStatus.Calibrating => "preliminary",
        MeasurementStatus.Invalid or MeasurementStatus.Unavailable => "cancelled",
        _ => "unknown",
    };

    /// <summary>The data-absent-reason code when the value is not usable, else null (the value is sent).</summary>
    public static string? AbsentReason(MeasurementStatus status) => status switch
    {
        MeasurementStatus.Invalid => "error",
        MeasurementStatus.Unavailable => "not-performed",
        _ => null,
    };

    /// <summary>One Observation per sample (systolic and diastolic at the same time as one blood-pressure panel), each as UTF-8 JSON.</summary>
    public static IReadOnlyList<byte[]> ToObservations(SampleSet set, FhirOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(set);
        options ??= new FhirOptions();
        try
        {
            SampleSets.Validate(set);
        }
        catch (InvalidDataException ex)
        {
            throw new FormatException(ex.Message, ex);
        }

        if (set.PatientRef.IsEmpty)
        {
            throw new FormatException(set.Context != 0
                ? $"the sample set refers to patient context {set.Context}, which is not resolved (PatientContextResolver): a vital-signs Observation requires a subject"
                : "the sample set belongs to no patient (the device had none associated): a vital-signs Observation requires a subject, so it cannot become an Observation");
        }

        var results = new List<byte[]>();
        int count = set.Values.Count;
        var used = new bool[count];
        for (int i = 0; i < count; i++)
        {
            if (used[i])
            {
                continue;
            }

            used[i] = true;
            VitalDefinition? definition = SampleSets.Definition(set, i);
            int partner = -1;
            if (definition == VitalsCatalogue.NibpSystolic || definition == VitalsCatalogue.NibpDiastolic)
            {
                VitalDefinition other = definition == VitalsCatalogue.NibpSystolic ? VitalsCatalogue.NibpDiastolic : VitalsCatalogue.NibpSystolic;
                for (int j = i + 1; j < count; j++)
                {
                    if (!used[j] && SampleSets.Definition(set, j) == other && SampleSets.OffsetMs(set, j) == SampleSets.OffsetMs(set, i))
                    {
                        partner = j;
                        used[j] = true;
                        break;
                    }
                }
            }

            string id = $"{options.IdentifierPrefix}/{results.Count}";
            results.Add(Write(w =>
            {
                if (partner >= 0)
                {
                    int sys = definition == VitalsCatalogue.NibpSystolic ? i : partner;
                    int dia = sys == i ? partner : i;
                    WriteBloodPressure(w, set, sys, dia, options, id);
                }
                else
                {
                    WriteObservation(w, options, id, ProfileOf(definition), SampleSets.Status(set, i), set.PatientRef.Span, set.TimeMs, SampleSets.OffsetMs(set, i),
                        Codings(set, i), (set.Ucum[i], SampleSets.GetDecimal(set, i)));
                }
            }));
        }

        return results;
    }

    private static void WriteBloodPressure(Utf8JsonWriter w, SampleSet set, int sys, int dia, FhirOptions options, string id)
    {
        MeasurementStatus sysStatus = SampleSets.Status(set, sys);
        MeasurementStatus diaStatus = SampleSets.Status(set, dia);
        string status = (Status(sysStatus), Status(diaStatus)) switch
        {
            ("final", "final") => "final",
            ("cancelled", "cancelled") => "cancelled",
            _ => "preliminary",
        };
        WriteHead(w, options, id, "bp", status, set.PatientRef.Span, set.TimeMs, SampleSets.OffsetMs(set, sys),
            [(LoincSystem, BloodPressurePanel, "Blood pressure panel with all children optional")]);
        w.WriteStartArray("component");
        foreach (int index in new[] { sys, dia })
        {
            w.WriteStartObject();
            WriteCode(w, Codings(set, index));
            WriteValue(w, SampleSets.Status(set, index), set.Ucum[index], SampleSets.GetDecimal(set, index));
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteEndObject();
    }

    private static void WriteObservation(Utf8JsonWriter w, FhirOptions options, string id, string profile, MeasurementStatus status, ReadOnlySpan<byte> patient, ulong timeMs, int offsetMs,
        IReadOnlyList<(string System, string Code, string? Display)> codings, (string Ucum, decimal Value) value)
    {
        WriteHead(w, options, id, profile, Status(status), patient, timeMs, offsetMs, codings);
        WriteValue(w, status, value.Ucum, value.Value);
        w.WriteEndObject();
    }

    private static void WriteHead(Utf8JsonWriter w, FhirOptions options, string id, string profile, string status, ReadOnlySpan<byte> patient, ulong timeMs, int offsetMs,
        IReadOnlyList<(string System, string Code, string? Display)> codings)
    {
        w.WriteStartObject();
        w.WriteString("resourceType", "Observation");
        w.WriteStartObject("meta");
        w.WriteStartArray("profile");
        w.WriteStringValue(ProfileBase + profile);
        w.WriteEndArray();
        w.WriteEndObject();
        if (options.IdentifierPrefix is not null)
        {
            w.WriteStartArray("identifier");
            w.WriteStartObject();
            w.WriteString("system", "urn:mqtthealth:observation");
            w.WriteString("value", id);
            w.WriteEndObject();
            w.WriteEndArray();
        }

        w.WriteString("status", status);
        w.WriteStartArray("category");
        w.WriteStartObject();
        w.WriteStartArray("coding");
        w.WriteStartObject();
        w.WriteString("system", CategorySystem);
        w.WriteString("code", "vital-signs");
        w.WriteString("display", "Vital Signs");
        w.WriteEndObject();
        w.WriteEndArray();
        w.WriteString("text", "Vital Signs");
        w.WriteEndObject();
        w.WriteEndArray();
        WriteCode(w, codings);
        w.WriteStartObject("subject");
        string hex = Convert.ToHexStringLower(patient);
        if (options.PatientAsResourceId)
        {
            w.WriteString("reference", "Patient/" + hex);
        }
        else
        {
            w.WriteString("type", "Patient");
            w.WriteStartObject("identifier");
            w.WriteString("system", options.PatientIdentifierSystem);
            w.WriteString("value", hex);
            w.WriteEndObject();
        }

        w.WriteEndObject();
        long effective = checked((long)timeMs + offsetMs);
        w.WriteString("effectiveDateTime", ClinicalJson.FormatTime(checked((ulong)effective)));
        if (options.Device is not null)
        {
            w.WriteStartObject("device");
            w.WriteStartObject("identifier");
            w.WriteString("system", "urn:mqtthealth:device");
            w.WriteString("value", options.Device);
            w.WriteEndObject();
            w.WriteEndObject();
        }
    }

    private static void WriteCode(Utf8JsonWriter w, IReadOnlyList<(string System, string Code, string? Display)> codings)
    {
        w.WriteStartObject("code");
        w.WriteStartArray("coding");
        foreach ((string system, string code, string? display) in codings)
        {
            w.WriteStartObject();
            w.WriteString("system", system);
            w.WriteString("code", code);
            if (display is not null)
            {
                w.WriteString("display", display);
            }

            w.WriteEndObject();
        }

        w.WriteEndArray();
        if (codings.FirstOrDefault(c => c.Display is not null).Display is { } text)
        {
            w.WriteString("text", text);
        }

        w.WriteEndObject();
    }

    private static void WriteValue(Utf8JsonWriter w, MeasurementStatus status, string ucum, decimal value)
    {
        if (AbsentReason(status) is { } reason)
        {
            w.WriteStartObject("dataAbsentReason");
            w.WriteStartArray("coding");
            w.WriteStartObject();
            w.WriteString("system", DataAbsentReasonSystem);
            w.WriteString("code", reason);
            w.WriteEndObject();
            w.WriteEndArray();
            w.WriteEndObject();
            return;
        }

        w.WriteStartObject("valueQuantity");
        w.WriteNumber("value", value);
        w.WriteString("unit", ucum);
        w.WriteString("system", UcumSystem);
        w.WriteString("code", ucum);
        w.WriteEndObject();
    }

    /// <summary>The sample's own codes: LOINC, then MDC (with the catalogue's display names when it is a catalogued vital).</summary>
    private static List<(string System, string Code, string? Display)> Codings(SampleSet set, int index)
    {
        VitalDefinition? d = SampleSets.Definition(set, index);
        var codings = new List<(string, string, string?)>();
        if (d == VitalsCatalogue.Spo2)
        {
            // The R4 oxygen saturation profile requires 2708-6; 59408-5 (by pulse oximetry) says how it was measured.
            codings.Add((LoincSystem, "2708-6", "Oxygen saturation in Arterial blood"));
        }

        if (set.Loinc[index].Length > 0)
        {
            codings.Add((LoincSystem, set.Loinc[index], d?.DisplayName));
        }

        if (set.MdcCodes[index] != 0)
        {
            codings.Add((MdcSystem, set.MdcCodes[index].ToString(CultureInfo.InvariantCulture), d?.MdcReferenceId));
        }

        return codings;
    }

    private static string ProfileOf(VitalDefinition? vital) =>
        vital == VitalsCatalogue.HeartRate ? "heartrate"
        : vital == VitalsCatalogue.Spo2 ? "oxygensat"
        : vital == VitalsCatalogue.RespiratoryRate ? "resprate"
        : vital == VitalsCatalogue.BodyTemperature ? "bodytemp"
        : "vitalsigns";

    private static byte[] Write(Action<Utf8JsonWriter> body)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            body(writer);
        }

        return buffer.ToArray();
    }
}
