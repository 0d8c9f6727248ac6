using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using MqttHealth.Corpus;
using MqttHealth.Payloads.Compression;

namespace MqttHealth.Dictionaries.Training;

/// <summary>
/// Trains candidate dictionaries of several capacities, measures each at several levels on the held-out corpus,
/// picks one by a fixed rule and writes it with its manifest. The rule, on the single-sample-set ratio (the issue's
/// target and most of the traffic): the smallest capacity within <see cref="SizeTolerance"/> of the best ratio of
/// any candidate; at that capacity, the lowest level within <see cref="LevelTolerance"/> of that capacity's best.
/// Smaller dictionaries cost less memory on constrained devices; lower levels compress faster.
/// </summary>
internal static class DictionaryBuilder
{
    public const double SizeTolerance = 0.02;
    public const double LevelTolerance = 0.01;
    public static readonly int[] Capacities = [1024, 2048, 4096, 8192, 16384];
    public static readonly int[] Levels = [1, 3, 9, 19];

    public static void Build(string outputDirectory, byte id, string name, TextWriter log)
    {
        var training = CorpusGenerator.Generate(CorpusParameters.Training);
        var heldOut = CorpusGenerator.Generate(CorpusParameters.HeldOut);
        log.WriteLine($"training corpus: {training.Count} messages, {training.Sum(m => (long)m.Bytes.Length)} bytes (seed {CorpusParameters.Training.Seed})");
        log.WriteLine($"held-out corpus: {heldOut.Count} messages, {heldOut.Sum(m => (long)m.Bytes.Length)} bytes (seed {CorpusParameters.HeldOut.Seed})");
        var samples = training.Select(m => m.Bytes).ToArray();

        var rows = new List<SweepRow>();
        var dictionaries = new Dictionary<int, byte[]>();
        foreach (var capacity in Capacities)
        {
            var dictionary = ZstdDictionaryTrainer.Train(samples, capacity);
            dictionaries[capacity] = dictionary;
            foreach (var level in Levels)
            {
                var row = new SweepRow(capacity, dictionary.Length, level, Measurement.WithDictionary(dictionary, level, true, heldOut));
                rows.Add(row);
                log.WriteLine($"  {capacity,6} B (dict {dictionary.Length,6} B) level {level,2}: sample set {row.RatioOf(MessageKind.SampleSet):F3}x, batch {row.RatioOf(MessageKind.GatewayBatch):F3}x, alarm {row.RatioOf(MessageKind.Alarm):F3}x, status {row.RatioOf(MessageKind.Status):F3}x, context {row.RatioOf(MessageKind.PatientContext):F3}x");
            }
        }

        var chosen = Choose(rows);
        var chosenDictionary = dictionaries[chosen.CapacityBytes];
        var withSize = Measurement.WithDictionary(chosenDictionary, chosen.Level, true, heldOut);
        var withoutSize = Measurement.WithDictionary(chosenDictionary, chosen.Level, false, heldOut);
        var contentSize = withSize.Sum(k => k.CompressedBytes) <= withoutSize.Sum(k => k.CompressedBytes);
        var final = contentSize ? withSize : withoutSize;
        var plain = Measurement.WithoutDictionary(chosen.Level, heldOut);
        log.WriteLine($"chosen: capacity {chosen.CapacityBytes} B, level {chosen.Level}, content size {(contentSize ? "written" : "omitted")}");

        var file = name + ".dict";
        File.WriteAllBytes(Path.Combine(outputDirectory, file), chosenDictionary);
        using var stream = File.Create(Path.Combine(outputDirectory, name + ".json"));
        using var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
        json.WriteStartObject();
        json.WriteNumber("id", id);
        json.WriteString("name", name);
        json.WriteString("file", file);
        json.WriteString("sha256", Convert.ToHexStringLower(SHA256.HashData(chosenDictionary)));
        json.WriteNumber("size", chosenDictionary.Length);
        json.WriteNumber("level", chosen.Level);
        json.WriteBoolean("contentSize", contentSize);
        json.WriteString("frame", "zstd magicless (ZSTD_f_zstd1_magicless), no dictionary id, no checksum");
        json.WriteString("zstd", ZstdDictionaryTrainer.LibraryVersion);
        json.WriteString("trainer", $"ZDICT_trainFromBuffer (fastCover defaults), capacity {chosen.CapacityBytes} bytes, every training message one sample");
        json.WriteString("payload", "each sample is one encoded mqtthealth.clinical.v1.ClinicalPayload");
        WriteCorpus(json, "training", CorpusParameters.Training, training);
        WriteCorpus(json, "heldOut", CorpusParameters.HeldOut, heldOut);
        json.WriteStartObject("ratios");
        WriteKinds(json, final);
        json.WriteEndObject();
        json.WriteStartObject("ratiosWithoutDictionary");
        WriteKinds(json, plain);
        json.WriteEndObject();
        json.WriteStartObject("contentSizeMeasurement");
        json.WriteNumber("bytesWithContentSize", withSize.Sum(k => k.CompressedBytes));
        json.WriteNumber("bytesWithoutContentSize", withoutSize.Sum(k => k.CompressedBytes));
        json.WriteEndObject();
        json.WriteString("choice", string.Create(CultureInfo.InvariantCulture,
            $"Rule on the single-sample-set ratio of the held-out corpus: the smallest capacity within {SizeTolerance:P0} of the best candidate, then the lowest level within {LevelTolerance:P0} of that capacity's best. Content size is written when that is not larger in total (then a frame declaring more than the destination is refused before decoding)."));
        json.WriteString("why", Why(rows, chosen));
        json.WriteStartArray("sweep");
        foreach (var row in rows)
        {
            json.WriteStartObject();
            json.WriteNumber("capacity", row.CapacityBytes);
            json.WriteNumber("dictionaryBytes", row.DictionaryBytes);
            json.WriteNumber("level", row.Level);
            foreach (var kind in row.Kinds)
            {
                json.WriteNumber(KindName(kind.Kind), Math.Round(kind.Ratio, 3));
            }
            json.WriteNumber("totalCompressedBytes", row.TotalCompressed);
            json.WriteEndObject();
        }
        json.WriteEndArray();
        json.WriteEndObject();
        json.Flush();
        log.WriteLine(MarkdownTable(rows, chosen));
    }

    public static SweepRow Choose(IReadOnlyList<SweepRow> rows)
    {
        var best = rows.Max(r => r.RatioOf(MessageKind.SampleSet));
        var capacity = rows.Where(r => r.RatioOf(MessageKind.SampleSet) >= best * (1 - SizeTolerance)).Min(r => r.CapacityBytes);
        var atCapacity = rows.Where(r => r.CapacityBytes == capacity).ToList();
        var bestAtCapacity = atCapacity.Max(r => r.RatioOf(MessageKind.SampleSet));
        return atCapacity.Where(r => r.RatioOf(MessageKind.SampleSet) >= bestAtCapacity * (1 - LevelTolerance)).MinBy(r => r.Level)!;
    }

    /// <summary>The rule applied to this sweep, with the numbers that decided it.</summary>
    public static string Why(IReadOnlyList<SweepRow> rows, SweepRow chosen)
    {
        var c = CultureInfo.InvariantCulture;
        var best = rows.MaxBy(r => r.RatioOf(MessageKind.SampleSet))!;
        var text = new StringBuilder();
        text.Append(c, $"Best single-sample-set ratio of the sweep: {best.RatioOf(MessageKind.SampleSet):F3}x ({best.CapacityBytes} bytes, level {best.Level}). ");
        foreach (var smaller in rows.Where(r => r.CapacityBytes < chosen.CapacityBytes).GroupBy(r => r.CapacityBytes))
        {
            var top = smaller.MaxBy(r => r.RatioOf(MessageKind.SampleSet))!;
            text.Append(c, $"{smaller.Key} bytes reach at most {top.RatioOf(MessageKind.SampleSet):F3}x (level {top.Level}), more than {SizeTolerance:P0} below; ");
        }
        text.Append(c, $"{chosen.CapacityBytes} bytes is the smallest capacity within {SizeTolerance:P0}. At {chosen.CapacityBytes} bytes: ");
        text.Append(string.Join(", ", rows.Where(r => r.CapacityBytes == chosen.CapacityBytes).Select(r => string.Create(c, $"level {r.Level} {r.RatioOf(MessageKind.SampleSet):F3}x"))));
        text.Append(c, $"; level {chosen.Level} is the lowest within {LevelTolerance:P0} of the best of them.");
        return text.ToString();
    }

    public static string KindName(MessageKind kind) => kind switch
    {
        MessageKind.SampleSet => "sampleSet",
        MessageKind.GatewayBatch => "gatewayBatch",
        MessageKind.Alarm => "alarm",
        MessageKind.Status => "status",
        MessageKind.PatientContext => "patientContext",
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    public static string MarkdownTable(IReadOnlyList<SweepRow> rows, SweepRow chosen)
    {
        var text = new StringBuilder();
        text.AppendLine("| capacity | dictionary bytes | level | sample set | gateway batch | alarm | status | patient context | all bytes |");
        text.AppendLine("|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var row in rows)
        {
            var mark = ReferenceEquals(row, chosen) ? " **chosen**" : "";
            text.AppendLine(CultureInfo.InvariantCulture,
                $"| {row.CapacityBytes} | {row.DictionaryBytes} | {row.Level}{mark} | {row.RatioOf(MessageKind.SampleSet):F3} | {row.RatioOf(MessageKind.GatewayBatch):F3} | {row.RatioOf(MessageKind.Alarm):F3} | {row.RatioOf(MessageKind.Status):F3} | {row.RatioOf(MessageKind.PatientContext):F3} | {row.TotalCompressed} |");
        }
        return text.ToString();
    }

    private static void WriteCorpus(Utf8JsonWriter json, string name, CorpusParameters p, List<CorpusMessage> messages)
    {
        json.WriteStartObject(name);
        json.WriteNumber("seed", p.Seed);
        json.WriteNumber("startUnixMs", p.StartUnixMs);
        json.WriteNumber("durationSeconds", p.DurationSeconds);
        json.WriteNumber("bedsideMonitors", p.BedsideMonitors);
        json.WriteNumber("gatewayDevices", p.GatewayDevices);
        json.WriteNumber("statusIntervalSeconds", p.StatusIntervalSeconds);
        json.WriteNumber("messages", messages.Count);
        json.WriteNumber("bytes", messages.Sum(m => (long)m.Bytes.Length));
        json.WriteEndObject();
    }

    public static void WriteKinds(Utf8JsonWriter json, KindMeasurement[] kinds)
    {
        foreach (var kind in kinds)
        {
            json.WriteStartObject(KindName(kind.Kind));
            json.WriteNumber("messages", kind.Count);
            json.WriteNumber("rawBytes", kind.RawBytes);
            json.WriteNumber("compressedBytes", kind.CompressedBytes);
            json.WriteNumber("ratio", Math.Round(kind.Ratio, 3));
            json.WriteNumber("meanRawBytes", Math.Round(kind.MeanRaw, 2));
            json.WriteNumber("meanCompressedBytes", Math.Round(kind.MeanCompressed, 2));
            json.WriteNumber("compressedSmallerCount", kind.CompressedSmaller);
            json.WriteNumber("ratioCompressingOnlyWhenSmaller", Math.Round(kind.BestOfRatio, 3));
            json.WriteEndObject();
        }
    }

    /// <summary>Reads a corpus section ("training" or "heldOut") of a manifest back into parameters.</summary>
    public static CorpusParameters ReadCorpus(JsonElement manifest, string name)
    {
        var c = manifest.GetProperty(name);
        return new CorpusParameters(
            c.GetProperty("seed").GetUInt64(),
            c.GetProperty("startUnixMs").GetInt64(),
            c.GetProperty("durationSeconds").GetInt32(),
            c.GetProperty("bedsideMonitors").GetInt32(),
            c.GetProperty("gatewayDevices").GetInt32(),
            c.GetProperty("statusIntervalSeconds").GetInt32());
    }
}
