using System.Text.Json;
using MqttHealth.Bench.PayloadSizes;
using MqttHealth.Corpus;

// mqtthealth-sizes: the payload size report (docs/benchmarks.md, "Payload sizes"). Regenerates the held-out corpus
// of clinical-v1 from its manifest, measures every message in every form and rewrites the generated section of
// bench/RESULTS.md between its markers (or prints it with --stdout).
const string Usage = "usage: mqtthealth-sizes [--output bench/RESULTS.md | --stdout]";
string? output = null;
var toStdout = false;
for (var i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--output" when i + 1 < args.Length:
            output = args[++i];
            break;
        case "--stdout":
            toStdout = true;
            break;
        default:
            Console.Error.WriteLine($"mqtthealth-sizes: unexpected argument '{args[i]}'.");
            Console.Error.WriteLine(Usage);
            return 2;
    }
}

var root = MqttHealth.Bench.Load.Report.ResultsFile.RepositoryRoot();
if (root is null)
{
    Console.Error.WriteLine("mqtthealth-sizes: not inside the MqttHealth repository (no MqttHealth.sln above the current directory or the program).");
    return 1;
}

try
{
    var manifestPath = Path.Combine(root, "dictionaries", "clinical-v1.json");
    using var manifest = JsonDocument.Parse(File.ReadAllText(manifestPath));
    var heldOut = manifest.RootElement.GetProperty("heldOut");
    var parameters = new CorpusParameters(
        heldOut.GetProperty("seed").GetUInt64(),
        heldOut.GetProperty("startUnixMs").GetInt64(),
        heldOut.GetProperty("durationSeconds").GetInt32(),
        heldOut.GetProperty("bedsideMonitors").GetInt32(),
        heldOut.GetProperty("gatewayDevices").GetInt32(),
        heldOut.GetProperty("statusIntervalSeconds").GetInt32());
    var corpus = CorpusGenerator.Generate(parameters);
    var expected = heldOut.GetProperty("messages").GetInt32();
    if (corpus.Count != expected)
    {
        Console.Error.WriteLine($"mqtthealth-sizes: the regenerated held-out corpus has {corpus.Count} messages, the manifest says {expected}: the corpus generator and the dictionary disagree; retrain (docs/dictionary.md).");
        return 1;
    }

    using var sizes = new Sizes();
    var measured = corpus.Select(sizes.Measure).ToList();
    var markdown = Report.Render(parameters, measured, sizes.Level);
    if (toStdout)
    {
        Console.Write(markdown);
        return 0;
    }

    var path = output ?? Path.Combine(root, "bench", "RESULTS.md");
    SizesResultsFile.WriteSection(path, markdown);
    Console.WriteLine($"mqtthealth-sizes: {corpus.Count} messages measured; wrote the payload size section of {path}.");
    return 0;
}
catch (Exception e) when (e is IOException or JsonException or KeyNotFoundException or InvalidOperationException or UnauthorizedAccessException)
{
    Console.Error.WriteLine($"mqtthealth-sizes: {e.Message}");
    return 1;
}
