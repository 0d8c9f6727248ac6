using System.Globalization;
using System.Text;
using System.Text.Json;
using Google.Protobuf;
using MqttHealth.Payloads.Clinical.V1;
using MqttHealth.Payloads.Schema;

namespace MqttHealth.Payloads.Sdk;

/// <summary>A reading in the JSON reading format: the payload, and the device it names (if it names one).</summary>
public sealed record ClinicalReading(string? Device, ClinicalPayload Payload);

/// <summary>
/// The JSON reading format (docs/sdk.md): what an integrator writes for <c>mqtthealth seal|pub</c> and what
/// <c>open|sub</c> print. Sample sets: <c>{"device":"mon-42","patient":"HEX","time":"2026-11-21T10:00:00Z",
/// "vitals":{"heart_rate":72,"body_temperature":36.6},"status":{"heart_rate":"questionable"},"extended":[...]}</c>
/// (or <c>"context":N</c> instead of a patient: the sender's patient context number);
/// alarms: <c>{"patient":"HEX","time":...,"alarm":{"id":7,"priority":"high","condition":"above_upper_limit",
/// "state":"active","vital":"heart_rate","value":150,"lower":50,"upper":120}}</c>. Vital names are the catalogue's
/// (<see cref="VitalsCatalogue"/>); a sample the catalogue does not name goes in "extended" with its own codes and
/// unit. Malformed input throws <see cref="FormatException"/>.
/// </summary>
public static class ClinicalJson
{
    private static readonly string[] ReadingMembers = ["device", "patient", "context", "time", "vitals", "status", "extended", "alarm"];
    private static readonly string[] ExtendedMembers = ["loinc", "mdc", "ucum", "value", "status", "offsetMs"];
    private static readonly string[] AlarmMembers = ["id", "priority", "condition", "state", "vital", "mdc", "loinc", "ucum", "value", "lower", "upper"];
    private static readonly string[] VitalNames = [.. VitalsCatalogue.All.Select(v => v.Name)];

    /// <summary>The snake-case name of an enum value without its type prefix (<c>AlarmCondition.AboveUpperLimit</c> → <c>above_upper_limit</c>).</summary>
    public static string Name<T>(T value)
        where T : struct, Enum
    {
        string text = value.ToString();
        var builder = new StringBuilder(text.Length + 4);
        for (int i = 0; i < text.Length; i++)
        {
            if (char.IsUpper(text[i]) && i > 0)
            {
                builder.Append('_');
            }

            builder.Append(char.ToLowerInvariant(text[i]));
        }

        return builder.ToString();
    }

    /// <summary>Parses one reading; <paramref name="now"/> is its time when it has no <c>"time"</c>.</summary>
    public static ClinicalReading Parse(ReadOnlySpan<byte> json, DateTimeOffset now)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json.ToArray());
        }
        catch (JsonException ex)
        {
            throw new FormatException($"reading: not valid JSON ({ex.Message})", ex);
        }

        using (document)
        {
            JsonElement root = document.RootElement;
            Dictionary<string, JsonElement> members = Members(root, ReadingMembers, "reading");
            string? device = members.TryGetValue("device", out JsonElement d) ? Text(d, "device") : null;
            ByteString patient = members.TryGetValue("patient", out JsonElement p) ? Patient(Text(p, "patient")) : ByteString.Empty;
            ulong time = members.TryGetValue("time", out JsonElement t) ? Time(Text(t, "time")) : (ulong)now.ToUnixTimeMilliseconds();
            uint context = members.TryGetValue("context", out JsonElement c)
                ? c.ValueKind == JsonValueKind.Number && c.TryGetUInt32(out uint cv) ? cv : throw new FormatException("reading: \"context\" is not a 32-bit unsigned integer")
                : 0;
            bool isAlarm = members.TryGetValue("alarm", out JsonElement alarm);
            bool isSet = members.ContainsKey("vitals") || members.ContainsKey("extended");
            if (isAlarm == isSet)
            {
                throw new FormatException("reading: give either \"vitals\" (and/or \"extended\") or \"alarm\"");
            }

            if (isAlarm)
            {
                if (members.ContainsKey("status") || members.ContainsKey("context"))
                {
                    throw new FormatException("reading: \"status\" and \"context\" belong to vitals, not to an alarm (an alarm names its patient)");
                }

                return new ClinicalReading(device, new ClinicalPayload { Alarm = ParseAlarm(alarm, patient, time) });
            }

            return new ClinicalReading(device, new ClinicalPayload { SampleSet = ParseSet(members, patient, time, context) });
        }
    }

    /// <summary>Writes a payload in the reading format (sample sets and alarms as above; a batch as <c>{"batch":[sets]}</c>; other kinds in protobuf's JSON mapping).</summary>
    public static void Write(Utf8JsonWriter writer, ClinicalPayload payload, string? device = null)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(payload);
        switch (payload.KindCase)
        {
            case ClinicalPayload.KindOneofCase.SampleSet:
                WriteSet(writer, payload.SampleSet, device);
                break;
            case ClinicalPayload.KindOneofCase.SampleBatch:
                writer.WriteStartObject();
                writer.WriteStartArray("batch");
                foreach (SampleSet set in SampleSets.FromBatch(payload.SampleBatch))
                {
                    WriteSet(writer, set, device);
                }

                writer.WriteEndArray();
                writer.WriteEndObject();
                break;
            case ClinicalPayload.KindOneofCase.Alarm:
                WriteAlarm(writer, payload.Alarm, device);
                break;
            default:
                using (JsonDocument other = JsonDocument.Parse(JsonFormatter.Default.Format(payload)))
                {
                    other.RootElement.WriteTo(writer);
                }

                break;
        }
    }

    /// <summary>The reading format of <paramref name="payload"/> as UTF-8 JSON on one line.</summary>
    public static byte[] ToJson(ClinicalPayload payload, string? device = null)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            Write(writer, payload, device);
        }

        return buffer.ToArray();
    }

    /// <summary>UTC with milliseconds, <c>yyyy-MM-ddTHH:mm:ss.fffZ</c> (what FHIR's dateTime accepts too).</summary>
    public static string FormatTime(ulong unixMs) =>
        DateTimeOffset.FromUnixTimeMilliseconds(checked((long)unixMs)).UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture);

    private static SampleSet ParseSet(Dictionary<string, JsonElement> members, ByteString patient, ulong time, uint context)
    {
        var set = new SampleSet { PatientRef = patient, TimeMs = time, Context = context };
        var offsets = new List<int>();
        var statuses = new List<MeasurementStatus>();
        Dictionary<string, JsonElement> statusMembers = members.TryGetValue("status", out JsonElement s)
            ? Members(s, VitalNames, "\"status\"")
            : [];
        if (members.TryGetValue("vitals", out JsonElement vitals))
        {
            Dictionary<string, JsonElement> values = Members(vitals, VitalNames, "\"vitals\"");
            foreach (VitalDefinition definition in VitalsCatalogue.All)
            {
                string name = definition.Name;
                if (!values.TryGetValue(name, out JsonElement value))
                {
                    if (statusMembers.ContainsKey(name))
                    {
                        throw new FormatException($"reading: \"status\" names '{name}', which has no value in \"vitals\"");
                    }

                    continue;
                }

                decimal number = Number(value, $"vitals.{name}");
                int exponent = Math.Min(definition.Exponent, -Scale(number));
                AddSample(set, definition.MdcCode, definition.Loinc, definition.Ucum, exponent, Mantissa(number, exponent, $"vitals.{name}"));
                offsets.Add(0);
                statuses.Add(statusMembers.TryGetValue(name, out JsonElement st) ? Status(st, $"status.{name}") : MeasurementStatus.Valid);
            }

            if (set.Values.Count == 0 && !members.ContainsKey("extended"))
            {
                throw new FormatException("reading: \"vitals\" is empty");
            }
        }
        else if (statusMembers.Count > 0)
        {
            throw new FormatException("reading: \"status\" without \"vitals\"");
        }

        if (members.TryGetValue("extended", out JsonElement extended))
        {
            if (extended.ValueKind != JsonValueKind.Array || extended.GetArrayLength() == 0)
            {
                throw new FormatException("reading: \"extended\" is not a non-empty array");
            }

            foreach (JsonElement item in extended.EnumerateArray())
            {
                Dictionary<string, JsonElement> e = Members(item, ExtendedMembers, "an \"extended\" sample");
                string loinc = e.TryGetValue("loinc", out JsonElement l) ? Text(l, "extended.loinc") : string.Empty;
                uint mdc = e.TryGetValue("mdc", out JsonElement m) && m.ValueKind == JsonValueKind.Number && m.TryGetUInt32(out uint mv) ? mv
                    : e.ContainsKey("mdc") ? throw new FormatException("reading: extended.mdc is not a 32-bit unsigned integer") : 0u;
                if (loinc.Length == 0 && mdc == 0)
                {
                    throw new FormatException("reading: an \"extended\" sample needs \"loinc\" or \"mdc\"");
                }

                decimal number = Number(e.TryGetValue("value", out JsonElement v) ? v : throw new FormatException("reading: an \"extended\" sample lacks \"value\""), "extended.value");
                int exponent = -Scale(number);
                string ucum = e.TryGetValue("ucum", out JsonElement u) ? Text(u, "extended.ucum") : throw new FormatException("reading: an \"extended\" sample lacks \"ucum\"");
                AddSample(set, mdc, loinc, ucum, exponent, Mantissa(number, exponent, "extended.value"));
                offsets.Add(e.TryGetValue("offsetMs", out JsonElement o) && o.ValueKind == JsonValueKind.Number && o.TryGetInt32(out int ov) ? ov
                    : e.ContainsKey("offsetMs") ? throw new FormatException("reading: extended.offsetMs is not a 32-bit integer") : 0);
                statuses.Add(e.TryGetValue("status", out JsonElement es) ? Status(es, "extended.status") : MeasurementStatus.Valid);
            }
        }

        if (offsets.Any(x => x != 0))
        {
            set.TimeOffsetsMs.AddRange(offsets);
        }

        if (statuses.Any(x => x != MeasurementStatus.Valid))
        {
            set.Statuses.AddRange(statuses);
        }

        return set;
    }

    private static void AddSample(SampleSet set, uint mdc, string loinc, string ucum, int exponent, int value)
    {
        set.MdcCodes.Add(mdc);
        set.Loinc.Add(loinc);
        set.Ucum.Add(ucum);
        set.Exponents.Add(exponent);
        set.Values.Add(value);
    }

    private static Alarm ParseAlarm(JsonElement element, ByteString patient, ulong time)
    {
        Dictionary<string, JsonElement> a = Members(element, AlarmMembers, "\"alarm\"");
        var alarm = new Alarm
        {
            PatientRef = patient,
            TimeMs = time,
            AlarmId = a.TryGetValue("id", out JsonElement id) && id.ValueKind == JsonValueKind.Number && id.TryGetUInt32(out uint idv) ? idv : throw new FormatException("reading: alarm.id is missing or not a 32-bit unsigned integer"),
            Priority = EnumValue<AlarmPriority>(a, "priority", required: true),
            Condition = EnumValue<AlarmCondition>(a, "condition", required: true),
            State = EnumValue<AlarmState>(a, "state", required: false),
        };
        int exponent = 0;
        if (a.TryGetValue("vital", out JsonElement vital))
        {
            if (a.ContainsKey("mdc") || a.ContainsKey("loinc") || a.ContainsKey("ucum"))
            {
                throw new FormatException("reading: give alarm.vital (a catalogued vital) or alarm.mdc/loinc/ucum, not both");
            }

            string name = Text(vital, "alarm.vital");
            VitalDefinition definition = VitalsCatalogue.TryFindByName(name, out VitalDefinition? d) ? d
                : throw new FormatException($"reading: alarm.vital '{name}' is not one of {string.Join(", ", VitalNames)}");
            (alarm.MdcCode, alarm.Loinc, alarm.Ucum, exponent) = (definition.MdcCode, definition.Loinc, definition.Ucum, definition.Exponent);
        }
        else if (a.ContainsKey("mdc") || a.ContainsKey("loinc"))
        {
            alarm.Loinc = a.TryGetValue("loinc", out JsonElement l) ? Text(l, "alarm.loinc") : string.Empty;
            alarm.MdcCode = !a.TryGetValue("mdc", out JsonElement m) ? 0u
                : m.ValueKind == JsonValueKind.Number && m.TryGetUInt32(out uint mv) ? mv : throw new FormatException("reading: alarm.mdc is not a 32-bit unsigned integer");
            alarm.Ucum = a.TryGetValue("ucum", out JsonElement u) ? Text(u, "alarm.ucum") : throw new FormatException("reading: alarm.mdc/loinc needs alarm.ucum");
        }

        var limits = new (string Name, Action<int> Set)[] { ("value", x => alarm.Value = x), ("lower", x => alarm.LowerLimit = x), ("upper", x => alarm.UpperLimit = x) };
        var given = limits.Where(l => a.ContainsKey(l.Name)).Select(l => (l.Name, l.Set, Number: Number(a[l.Name], $"alarm.{l.Name}"))).ToList();
        if (given.Count > 0 && alarm.Ucum.Length == 0)
        {
            throw new FormatException($"reading: alarm.{given[0].Name} needs alarm.vital (its unit and scale)");
        }

        exponent = given.Aggregate(exponent, (e, g) => Math.Min(e, -Scale(g.Number)));
        alarm.Exponent = exponent;
        foreach ((string name, Action<int> set, decimal number) in given)
        {
            set(Mantissa(number, exponent, $"alarm.{name}"));
        }

        return alarm;
    }

    private static T EnumValue<T>(Dictionary<string, JsonElement> members, string member, bool required)
        where T : struct, Enum
    {
        if (!members.TryGetValue(member, out JsonElement element))
        {
            return required ? throw new FormatException($"reading: alarm.{member} is missing") : default;
        }

        string text = Text(element, $"alarm.{member}");
        foreach (T value in Enum.GetValues<T>())
        {
            if (Name(value) == text && Convert.ToInt32(value, CultureInfo.InvariantCulture) != 0 || (Name(value) == text && typeof(T) == typeof(AlarmState)))
            {
                return value;
            }
        }

        throw new FormatException($"reading: alarm.{member} '{text}' is not one of {string.Join(", ", Enum.GetValues<T>().Where(v => typeof(T) == typeof(AlarmState) || Convert.ToInt32(v, CultureInfo.InvariantCulture) != 0).Select(v => Name(v)))}");
    }

    private static void WriteSet(Utf8JsonWriter writer, SampleSet set, string? device)
    {
        try
        {
            SampleSets.Validate(set);
        }
        catch (InvalidDataException ex)
        {
            throw new FormatException(ex.Message, ex);
        }

        // A catalogued vital measured on time goes in "vitals" (by name); anything else keeps its codes in "extended".
        var named = new HashSet<string>(StringComparer.Ordinal);
        var vitals = new List<(int Index, string Name)>();
        var extended = new List<int>();
        for (int i = 0; i < set.Values.Count; i++)
        {
            if (SampleSets.Definition(set, i) is { } d && SampleSets.OffsetMs(set, i) == 0 && named.Add(d.Name))
            {
                vitals.Add((i, d.Name));
            }
            else
            {
                extended.Add(i);
            }
        }

        writer.WriteStartObject();
        WriteHead(writer, device, set.PatientRef, set.TimeMs);
        if (set.Context != 0)
        {
            writer.WriteNumber("context", set.Context);
        }

        if (vitals.Count > 0)
        {
            writer.WriteStartObject("vitals");
            foreach ((int i, string name) in vitals)
            {
                writer.WriteNumber(name, SampleSets.GetDecimal(set, i));
            }

            writer.WriteEndObject();
            if (vitals.Any(v => SampleSets.Status(set, v.Index) != MeasurementStatus.Valid))
            {
                writer.WriteStartObject("status");
                foreach ((int i, string name) in vitals)
                {
                    writer.WriteString(name, Name(SampleSets.Status(set, i)));
                }

                writer.WriteEndObject();
            }
        }

        if (extended.Count > 0)
        {
            writer.WriteStartArray("extended");
            foreach (int i in extended)
            {
                writer.WriteStartObject();
                if (set.Loinc[i].Length > 0)
                {
                    writer.WriteString("loinc", set.Loinc[i]);
                }

                if (set.MdcCodes[i] != 0)
                {
                    writer.WriteNumber("mdc", set.MdcCodes[i]);
                }

                writer.WriteString("ucum", set.Ucum[i]);
                writer.WriteNumber("value", SampleSets.GetDecimal(set, i));
                if (SampleSets.OffsetMs(set, i) != 0)
                {
                    writer.WriteNumber("offsetMs", SampleSets.OffsetMs(set, i));
                }

                if (SampleSets.Status(set, i) != MeasurementStatus.Valid)
                {
                    writer.WriteString("status", Name(SampleSets.Status(set, i)));
                }

                writer.WriteEndObject();
            }

            writer.WriteEndArray();
        }

        writer.WriteEndObject();
    }

    private static void WriteAlarm(Utf8JsonWriter writer, Alarm alarm, string? device)
    {
        writer.WriteStartObject();
        WriteHead(writer, device, alarm.PatientRef, alarm.TimeMs);
        writer.WriteStartObject("alarm");
        writer.WriteNumber("id", alarm.AlarmId);
        writer.WriteString("priority", Name(alarm.Priority));
        writer.WriteString("condition", Name(alarm.Condition));
        writer.WriteString("state", Name(alarm.State));
        if (alarm.MdcCode != 0 || alarm.Loinc.Length > 0)
        {
            if (VitalsCatalogue.TryFind(alarm.MdcCode, alarm.Loinc, alarm.Ucum, out VitalDefinition? d))
            {
                writer.WriteString("vital", d.Name);
            }
            else
            {
                if (alarm.MdcCode != 0)
                {
                    writer.WriteNumber("mdc", alarm.MdcCode);
                }

                if (alarm.Loinc.Length > 0)
                {
                    writer.WriteString("loinc", alarm.Loinc);
                }

                writer.WriteString("ucum", alarm.Ucum);
            }

            if (alarm.HasValue)
            {
                writer.WriteNumber("value", ScaledValue.ToDecimal(alarm.Value, alarm.Exponent));
            }

            if (alarm.HasLowerLimit)
            {
                writer.WriteNumber("lower", ScaledValue.ToDecimal(alarm.LowerLimit, alarm.Exponent));
            }

            if (alarm.HasUpperLimit)
            {
                writer.WriteNumber("upper", ScaledValue.ToDecimal(alarm.UpperLimit, alarm.Exponent));
            }
        }

        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    private static void WriteHead(Utf8JsonWriter writer, string? device, ByteString patient, ulong time)
    {
        if (device is not null)
        {
            writer.WriteString("device", device);
        }

        if (!patient.IsEmpty)
        {
            writer.WriteString("patient", Convert.ToHexStringLower(patient.Span));
        }

        writer.WriteString("time", FormatTime(time));
    }

    private static Dictionary<string, JsonElement> Members(JsonElement element, string[] names, string where)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw new FormatException($"reading: {where} is not a JSON object");
        }

        var members = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        foreach (JsonProperty property in element.EnumerateObject())
        {
            if (!names.Contains(property.Name, StringComparer.Ordinal))
            {
                throw new FormatException($"reading: {where} has an unknown member '{property.Name}' (expected {string.Join(", ", names)})");
            }

            if (!members.TryAdd(property.Name, property.Value))
            {
                throw new FormatException($"reading: {where} has '{property.Name}' twice");
            }
        }

        return members;
    }

    private static string Text(JsonElement element, string what) =>
        element.ValueKind == JsonValueKind.String && element.GetString() is { Length: > 0 } text ? text : throw new FormatException($"reading: {what} is not a non-empty string");

    private static decimal Number(JsonElement element, string what) =>
        element.ValueKind == JsonValueKind.Number && element.TryGetDecimal(out decimal value) ? value : throw new FormatException($"reading: {what} is not a number");

    private static int Scale(decimal value) => (decimal.GetBits(value)[3] >> 16) & 0xFF;

    private static int Mantissa(decimal value, int exponent, string what)
    {
        try
        {
            return ScaledValue.ToMantissa(value, exponent);
        }
        catch (Exception ex) when (ex is ArgumentException or OverflowException)
        {
            throw new FormatException($"reading: {what} {value.ToString(CultureInfo.InvariantCulture)} does not fit a 32-bit scaled integer at 10^{exponent}", ex);
        }
    }

    private static MeasurementStatus Status(JsonElement element, string what)
    {
        string text = Text(element, what);
        foreach (MeasurementStatus value in Enum.GetValues<MeasurementStatus>())
        {
            if (Name(value) == text)
            {
                return value;
            }
        }

        throw new FormatException($"reading: {what} '{text}' is not one of valid, questionable, invalid, calibrating, unavailable");
    }

    private static ByteString Patient(string hex)
    {
        if (hex.Length % 2 != 0 || hex.Length > 128 || !hex.All(Uri.IsHexDigit))
        {
            throw new FormatException("reading: \"patient\" is the opaque patient reference in hex (an even number of hex digits, at most 64 bytes)");
        }

        return ByteString.CopyFrom(Convert.FromHexString(hex));
    }

    private static ulong Time(string text)
    {
        if (!DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out DateTimeOffset time)
            || !(text.EndsWith('Z') || text.Contains('+', StringComparison.Ordinal) || text.LastIndexOf('-') > 9) || time.ToUnixTimeMilliseconds() < 0)
        {
            throw new FormatException($"reading: \"time\" '{text}' is not an ISO 8601 time with a zone, e.g. 2026-11-21T10:00:00Z");
        }

        return (ulong)time.ToUnixTimeMilliseconds();
    }
}
