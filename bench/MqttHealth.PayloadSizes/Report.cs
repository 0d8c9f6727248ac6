using System.Globalization;
using System.Text;
using MqttHealth.Corpus;

namespace MqttHealth.Bench.PayloadSizes;

/// <summary>Renders the measurements as the Markdown section of bench/RESULTS.md.</summary>
internal static class Report
{
    private const int Target = 48;

    private static readonly (Form Form, string Name)[] Rows =
    [
        (Form.Fhir, "FHIR R4 JSON (Bundle of vital-signs Observations, minified)"),
        (Form.ProtoJson, "compact JSON (proto3 JSON mapping, minified)"),
        (Form.Protobuf, "protobuf (`ClinicalPayload`)"),
        (Form.ZstdPlain, "protobuf + zstd, no dictionary (frame)"),
        (Form.ZstdDictionary, "protobuf + zstd, clinical-v1 (frame)"),
        (Form.SealedUnpadded, "sealed envelope, unpadded"),
        (Form.SealedPadded, "sealed envelope, padded (default buckets)"),
        (Form.PublishTopic, "MQTT 5 PUBLISH QoS 1, topic name"),
        (Form.PublishAlias, "MQTT 5 PUBLISH QoS 1, topic alias"),
    ];

    private static readonly MessageKind[] Kinds = Enum.GetValues<MessageKind>();

    public static string Render(CorpusParameters corpus, IReadOnlyList<MessageSizes> measured, int level)
    {
        var c = CultureInfo.InvariantCulture;
        var s = new StringBuilder();
        s.AppendLine("## Payload sizes (mqtthealth-sizes)");
        s.AppendLine();
        s.AppendLine("```sh");
        s.AppendLine("dotnet run -c Release --project bench/MqttHealth.PayloadSizes    # rewrites this section");
        s.AppendLine("```");
        s.AppendLine();
        s.AppendLine(c, $"The held-out corpus of clinical-v1, regenerated from its manifest (seed {corpus.Seed}, {corpus.DurationSeconds} s, {corpus.BedsideMonitors} bedside monitors, {corpus.GatewayDevices} gateway devices: {measured.Count:N0} messages). Every message measured on its own in every form; every size is deterministic (ciphertexts and signatures vary, their lengths do not).");
        s.AppendLine();
        s.AppendLine(c, $"- Envelope: AES-256-GCM (ChaCha20-Poly1305 is the same size), epoch 1, sequence numbers from {Sizes.StartSequence} (2-byte varint, as for most of an epoch), compression with clinical-v1 only when the frame is shorter (as the sealer does); alarms and patient contexts signed (+64 bytes), as the design requires.");
        s.AppendLine(c, $"- Plain zstd: the same magicless frame, level {level} (clinical-v1's), no dictionary. The frame rows show the frame even when it is longer than the protobuf; the envelope rows do not use it then.");
        s.AppendLine(c, $"- MQTT: the whole PUBLISH packet (fixed header, topic, packet id, properties, envelope), MQTT 5.0, QoS 1, topic `mh/v1/f1/u1/{Sizes.Device}/vitals` (`alarms`, `status`, `context`); with a topic alias, every message after the first has an empty topic and a 3-byte Topic Alias property.");
        s.AppendLine("- FHIR: the SDK's vital-signs Observations (`FhirVitalSigns`, what `mqtthealth sub --fhir` prints: profile, category, LOINC and MDC codings, subject, effectiveDateTime, valueQuantity in UCUM; blood pressure as one panel), in one minified Bundle per message, the patient resolved from the set's context. Alarms, status and patient contexts have no vital-signs Observation form: n/a.");
        s.AppendLine("- Cells: mean / p95 bytes per message, then mean bytes per reading (one reading = one vital value; an alarm, status or patient context message = one).");
        s.AppendLine();
        s.Append("| form |");
        foreach (var kind in Kinds)
        {
            s.Append(c, $" {KindName(kind)} ({measured.Count(m => m.Kind == kind):N0}, {ReadingsPerMessage(measured, kind):0.0} readings) |");
        }

        s.AppendLine();
        s.Append("|---|");
        s.AppendLine(string.Concat(Enumerable.Repeat("---:|", Kinds.Length)));
        foreach (var (form, name) in Rows)
        {
            s.Append(c, $"| {name} |");
            foreach (var kind in Kinds)
            {
                var of = measured.Where(m => m.Kind == kind && m.Bytes[(int)form] >= 0).ToList();
                if (of.Count == 0)
                {
                    s.Append(" n/a |");
                    continue;
                }

                var mean = of.Average(m => m.Bytes[(int)form]);
                var perReading = of.Sum(m => (double)m.Bytes[(int)form]) / of.Sum(m => m.Readings);
                s.Append(c, $" {mean:0.0} / {P95(of.Select(m => m.Bytes[(int)form]))} ({perReading:0.0}) |");
            }

            s.AppendLine();
        }

        s.AppendLine();
        RenderRatios(s, measured);
        RenderTarget(s, measured);
        return s.ToString();
    }

    private static void RenderRatios(StringBuilder s, IReadOnlyList<MessageSizes> measured)
    {
        var c = CultureInfo.InvariantCulture;
        s.AppendLine("### Dictionary compression");
        s.AppendLine();
        s.AppendLine("Ratio = total bytes of the source form / total bytes of the compressed form, per kind. \"As sealed\" takes the frame only where it is shorter than the protobuf (what the envelope carries).");
        s.AppendLine();
        s.Append("| ratio |");
        foreach (var kind in Kinds)
        {
            s.Append(c, $" {KindName(kind)} |");
        }

        s.AppendLine();
        s.Append("|---|");
        s.AppendLine(string.Concat(Enumerable.Repeat("---:|", Kinds.Length)));
        (string Name, Func<MessageSizes, double> Source, Func<MessageSizes, double> Compressed)[] ratios =
        [
            ("protobuf / clinical-v1 frame (the dictionary's own ratio)", m => m.Bytes[(int)Form.Protobuf], m => m.Bytes[(int)Form.ZstdDictionary]),
            ("protobuf / plain zstd frame (no dictionary)", m => m.Bytes[(int)Form.Protobuf], m => m.Bytes[(int)Form.ZstdPlain]),
            ("protobuf / body as sealed (frame only if shorter)", m => m.Bytes[(int)Form.Protobuf], m => Math.Min(m.Bytes[(int)Form.Protobuf], m.Bytes[(int)Form.ZstdDictionary])),
            ("compact JSON / clinical-v1 frame (schema + dictionary together)", m => m.Bytes[(int)Form.ProtoJson], m => m.Bytes[(int)Form.ZstdDictionary]),
            ("FHIR R4 JSON / clinical-v1 frame", m => m.Bytes[(int)Form.Fhir], m => m.Bytes[(int)Form.ZstdDictionary]),
        ];
        foreach (var (name, source, compressed) in ratios)
        {
            s.Append(c, $"| {name} |");
            foreach (var kind in Kinds)
            {
                var of = measured.Where(m => m.Kind == kind && source(m) >= 0).ToList();
                s.Append(of.Count == 0 ? " n/a |" : string.Create(c, $" {of.Sum(source) / of.Sum(compressed):0.00}x |"));
            }

            s.AppendLine();
        }

        var sets = measured.Where(m => m.Kind == MessageKind.SampleSet).ToList();
        var own = sets.Sum(m => (double)m.Bytes[(int)Form.Protobuf]) / sets.Sum(m => m.Bytes[(int)Form.ZstdDictionary]);
        var plain = sets.Sum(m => (double)m.Bytes[(int)Form.Protobuf]) / sets.Sum(m => m.Bytes[(int)Form.ZstdPlain]);
        s.AppendLine();
        s.AppendLine(c, $"**Target \"dictionary compression at least 3x on single sample sets\": {(own >= 3 ? "met" : "missed")} ({own:0.00}x; {plain:0.00}x without the dictionary).** Single sample sets are self-describing (each sample carries its MDC code, LOINC code, UCUM unit and exponent), which the dictionary predicts; what it cannot predict is the values, the time and the context number (docs/dictionary.md).");
        s.AppendLine();
    }

    private static void RenderTarget(StringBuilder s, IReadOnlyList<MessageSizes> measured)
    {
        var c = CultureInfo.InvariantCulture;
        var sets = measured.Where(m => m.Kind == MessageKind.SampleSet).ToList();
        s.AppendLine(c, $"### The {Target}-byte target for a sealed single sample set");
        s.AppendLine();
        s.AppendLine("Where the bytes of a sealed single sample set go (mean over the held-out sample sets, padded envelope):");
        s.AppendLine();
        s.AppendLine("| part | mean bytes |");
        s.AppendLine("|---|---:|");
        for (var i = 0; i < Sizes.FieldNames.Length; i++)
        {
            s.AppendLine(c, $"| {Sizes.FieldNames[i]} | {sets.Average(m => m.Fields[i]):0.0} |");
        }

        var protobuf = sets.Average(m => m.Bytes[(int)Form.Protobuf]);
        var body = sets.Average(m => Math.Min(m.Bytes[(int)Form.Protobuf], m.Bytes[(int)Form.ZstdDictionary]));
        var unpadded = sets.Average(m => m.Bytes[(int)Form.SealedUnpadded]);
        var padded = sets.Average(m => m.Bytes[(int)Form.SealedPadded]);
        s.AppendLine(c, $"| = protobuf | {protobuf:0.0} |");
        s.AppendLine(c, $"| compression (clinical-v1 where shorter) | {body - protobuf:+0.0;-0.0;0.0} |");
        s.AppendLine(c, $"| envelope header (flags, epoch, sequence) + tag (16) | {unpadded - body:0.0} |");
        s.AppendLine(c, $"| padding to the bucket | {padded - unpadded:0.0} |");
        s.AppendLine(c, $"| = sealed, padded | {padded:0.0} (p95 {P95(sets.Select(m => m.Bytes[(int)Form.SealedPadded]))}) |");
        s.AppendLine();
        s.AppendLine("| sealed single sample set | mean | p95 | max | at most 48 bytes |");
        s.AppendLine("|---|---:|---:|---:|---:|");
        foreach (var (form, name) in new[] { (Form.SealedUnpadded, "unpadded"), (Form.SealedPadded, "padded (default buckets)") })
        {
            var sizes = sets.Select(m => m.Bytes[(int)form]).ToList();
            s.AppendLine(c, $"| {name} | {sizes.Average():0.0} | {P95(sizes)} | {sizes.Max()} | {sizes.Count(x => x <= Target) / (double)sizes.Count:P1} |");
        }

        s.AppendLine();
        var p95 = P95(sets.Select(m => m.Bytes[(int)Form.SealedPadded]));
        var within = sets.Count(m => m.Bytes[(int)Form.SealedPadded] <= Target) / (double)sets.Count;
        var verdict = within == 1 ? "met for every set" : p95 <= Target ? "met for the typical set (mean and p95), not for every set" : "missed";
        var over = sets.Where(m => m.Bytes[(int)Form.SealedPadded] > Target).ToList();
        var overReadings = over.Count == 0 ? 0 : over.Average(m => (double)m.Readings);
        s.AppendLine(c, $"**Target \"a sealed single vital-sign sample set at most {Target} bytes\": {verdict}.** {within:P1} of the held-out sets seal into at most {Target} bytes padded, p95 {p95}.{(over.Count == 0 ? "" : string.Create(c, $" The {over.Count:N0} larger ones carry {overReadings:0.0} readings on average ({sets.Average(m => (double)m.Readings):0.0} over all sets), or per-sample time offsets and statuses."))} The patient is not in the set: it refers to the device's patient context by number (docs/payload-schema.md, \"The context rule\").");
    }

    private static string KindName(MessageKind kind) => kind switch
    {
        MessageKind.SampleSet => "single sample set",
        MessageKind.GatewayBatch => "gateway batch",
        MessageKind.Alarm => "alarm, signed",
        MessageKind.Status => "status",
        MessageKind.PatientContext => "patient context, signed",
        _ => kind.ToString(),
    };

    private static double ReadingsPerMessage(IReadOnlyList<MessageSizes> measured, MessageKind kind) =>
        measured.Where(m => m.Kind == kind).Average(m => (double)m.Readings);

    /// <summary>The 95th percentile, nearest rank.</summary>
    private static int P95(IEnumerable<int> values)
    {
        var sorted = values.Order().ToArray();
        return sorted[(int)Math.Ceiling(0.95 * sorted.Length) - 1];
    }
}
