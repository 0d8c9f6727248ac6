using System.Globalization;
using System.Text.Json;
using MqttHealth.Corpus;
using MqttHealth.Dictionaries.Training;
using MqttHealth.Payloads.Compression;

// mqtthealth-dict: corpus | train | measure. See docs/dictionary.md.
const string Usage = """
    usage:
      mqtthealth-dict corpus [--seed N] [--duration S] [--out FILE]   generate a corpus (training parameters unless overridden); print counts per kind; FILE gets records of kind byte, 4-byte little-endian length, payload
      mqtthealth-dict train [--out DIR] [--id N] [--name NAME]        sweep capacities and levels, pick by the rule, write NAME.dict and NAME.json (default dictionaries, 1, clinical-v1)
      mqtthealth-dict measure [--dir DIR] [--id N] [--seed N]        re-measure a committed dictionary on its held-out corpus (or another seed) against the manifest
    """;

try
{
    if (args.Length == 0)
    {
        Console.Error.WriteLine(Usage);
        return 2;
    }
    var options = ParseOptions(args.AsSpan(1));
    switch (args[0])
    {
        case "corpus":
            return Corpus(options);
        case "train":
            var output = options.GetValueOrDefault("out", "dictionaries");
            Directory.CreateDirectory(output);
            DictionaryBuilder.Build(output, byte.Parse(options.GetValueOrDefault("id", "1"), CultureInfo.InvariantCulture), options.GetValueOrDefault("name", "clinical-v1"), Console.Out);
            return 0;
        case "measure":
            return Measure(options);
        default:
            Console.Error.WriteLine($"mqtthealth-dict: unknown command '{args[0]}'.");
            Console.Error.WriteLine(Usage);
            return 2;
    }
}
catch (Exception e) when (e is ArgumentException or FormatException or OverflowException or IOException or UnknownDictionaryException or DictionaryIntegrityException or ZstdException or JsonException or KeyNotFoundException)
{
    Console.Error.WriteLine($"mqtthealth-dict: {e.Message}");
    return 1;
}

static Dictionary<string, string> ParseOptions(ReadOnlySpan<string> args)
{
    var options = new Dictionary<string, string>(StringComparer.Ordinal);
    for (var i = 0; i < args.Length; i++)
    {
        if (!args[i].StartsWith("--", StringComparison.Ordinal) || i + 1 >= args.Length)
        {
            throw new ArgumentException($"expected '--option value', got '{args[i]}'.");
        }
        options[args[i][2..]] = args[++i];
    }
    return options;
}

static int Corpus(Dictionary<string, string> options)
{
    var p = CorpusParameters.Training;
    if (options.TryGetValue("seed", out var seed))
    {
        p = p with { Seed = ulong.Parse(seed, CultureInfo.InvariantCulture) };
    }
    if (options.TryGetValue("duration", out var duration))
    {
        p = p with { DurationSeconds = int.Parse(duration, CultureInfo.InvariantCulture) };
    }
    var messages = CorpusGenerator.Generate(p);
    foreach (var group in messages.GroupBy(m => m.Kind).OrderBy(g => g.Key))
    {
        Console.WriteLine($"{DictionaryBuilder.KindName(group.Key),-13} {group.Count(),7} messages {group.Sum(m => (long)m.Bytes.Length),9} bytes, mean {group.Average(m => m.Bytes.Length):F1}");
    }
    if (options.TryGetValue("out", out var file))
    {
        using var stream = File.Create(file);
        Span<byte> header = stackalloc byte[5];
        foreach (var message in messages)
        {
            header[0] = (byte)message.Kind;
            System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(header[1..], message.Bytes.Length);
            stream.Write(header);
            stream.Write(message.Bytes);
        }
    }
    return 0;
}

static int Measure(Dictionary<string, string> options)
{
    var directory = options.GetValueOrDefault("dir", "dictionaries");
    var id = byte.Parse(options.GetValueOrDefault("id", "1"), CultureInfo.InvariantCulture);
    using var registry = ZstdDictionaryRegistry.FromDirectory(directory);
    var dictionary = registry.Get(id);
    using var manifest = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(directory, Path.ChangeExtension(dictionary.Manifest.File, ".json"))));
    var heldOut = DictionaryBuilder.ReadCorpus(manifest.RootElement, "heldOut");
    if (options.TryGetValue("seed", out var seed))
    {
        heldOut = heldOut with { Seed = ulong.Parse(seed, CultureInfo.InvariantCulture) };
    }
    var messages = CorpusGenerator.Generate(heldOut);
    var measured = Measurement.WithDictionary(File.ReadAllBytes(Path.Combine(directory, dictionary.Manifest.File)), dictionary.Manifest.Level, dictionary.Manifest.ContentSize, messages);
    var plain = Measurement.WithoutDictionary(dictionary.Manifest.Level, messages);
    var recorded = manifest.RootElement.GetProperty("ratios");
    Console.WriteLine($"{dictionary.Manifest.Name} (id {id}, {dictionary.Manifest.Size} bytes, level {dictionary.Manifest.Level}) on held-out seed {heldOut.Seed}:");
    foreach (var kind in measured)
    {
        var name = DictionaryBuilder.KindName(kind.Kind);
        Console.WriteLine($"  {name,-13} {kind.Count,6} msgs  mean {kind.MeanRaw,7:F1} -> {kind.MeanCompressed,6:F1} bytes  ratio {kind.Ratio:F3} (recorded {recorded.GetProperty(name).GetProperty("ratio").GetDouble():F3}; no dictionary {plain[(int)kind.Kind].Ratio:F3}); smaller for {kind.CompressedSmaller}/{kind.Count}, {kind.BestOfRatio:F3} when compressing only then");
    }
    return 0;
}
