using System.Text.Json;
using MqttHealth.Corpus;
using MqttHealth.Dictionaries.Training;
using MqttHealth.Payloads.Compression;

namespace MqttHealth.Payloads.Tests.Compression;

/// <summary>The committed clinical-v1 dictionary still does what its manifest records.</summary>
public class CommittedDictionaryTests
{
    private static JsonElement Manifest()
    {
        using var stream = typeof(ZstdDictionaryRegistry).Assembly.GetManifestResourceStream("dictionaries/clinical-v1.json")!;
        return JsonDocument.Parse(stream).RootElement.Clone();
    }

    [Fact]
    public void Manifest_HeldOutSeed_DiffersFromTrainingSeed()
    {
        var manifest = Manifest();

        var training = DictionaryBuilder.ReadCorpus(manifest, "training");
        var heldOut = DictionaryBuilder.ReadCorpus(manifest, "heldOut");

        Assert.NotEqual(training.Seed, heldOut.Seed);
        Assert.NotEqual(training.StartUnixMs, heldOut.StartUnixMs);
    }

    [Fact]
    public void Manifest_HeldOutCorpus_SharesNoMessageWithTraining()
    {
        var manifest = Manifest();
        var training = CorpusGenerator.Generate(DictionaryBuilder.ReadCorpus(manifest, "training") with { DurationSeconds = 300 });
        var heldOut = CorpusGenerator.Generate(DictionaryBuilder.ReadCorpus(manifest, "heldOut") with { DurationSeconds = 300 });

        var trainingSet = training.Select(m => Convert.ToBase64String(m.Bytes)).ToHashSet();

        Assert.DoesNotContain(heldOut, m => trainingSet.Contains(Convert.ToBase64String(m.Bytes)));
    }

    [Fact]
    public void Corpus_SameParameters_SameBytes()
    {
        var parameters = CorpusParameters.HeldOut with { DurationSeconds = 60 };

        var first = CorpusGenerator.Generate(parameters);
        var second = CorpusGenerator.Generate(parameters);

        Assert.Equal(first.Select(m => m.Bytes), second.Select(m => m.Bytes));
    }

    [Fact]
    public void Bedside_OneMonitor_GivesTheSameMessagesAsAFleetOfOne()
    {
        // The simulator's monitor (the edge agent's) and the generator's are the same code and the same random streams.
        var parameters = CorpusParameters.HeldOut with { DurationSeconds = 300, BedsideMonitors = 1, GatewayDevices = 0 };

        var fleet = CorpusGenerator.Generate(parameters);
        var monitor = CorpusGenerator.Bedside(parameters, PatientProfile.Stable).SelectMany(second => second).ToList();

        Assert.Equal(fleet.Select(m => (m.Kind, Convert.ToHexString(m.Bytes))), monitor.Select(m => (m.Kind, Convert.ToHexString(m.Bytes))));
    }

    [Fact]
    public void CommittedDictionary_RegeneratedHeldOutCorpus_GivesRecordedRatios()
    {
        var manifest = Manifest();
        using var registry = ZstdDictionaryRegistry.FromEmbeddedResources();
        var dictionary = registry.Get(1);
        var heldOut = CorpusGenerator.Generate(DictionaryBuilder.ReadCorpus(manifest, "heldOut"));
        Assert.Equal(manifest.GetProperty("heldOut").GetProperty("messages").GetInt32(), heldOut.Count);
        Assert.Equal(manifest.GetProperty("heldOut").GetProperty("bytes").GetInt64(), heldOut.Sum(m => (long)m.Bytes.Length));

        var measured = Measurement.WithDictionary(dictionary.Content, dictionary.Manifest.Level, dictionary.Manifest.ContentSize, heldOut);

        foreach (var kind in measured)
        {
            var recorded = manifest.GetProperty("ratios").GetProperty(DictionaryBuilder.KindName(kind.Kind));
            Assert.Equal(recorded.GetProperty("messages").GetInt32(), kind.Count);
            // Same corpus bytes and the same libzstd give the same frames; the tolerance admits another zstd 1.5.x.
            Assert.InRange(kind.Ratio, recorded.GetProperty("ratio").GetDouble() * 0.98, recorded.GetProperty("ratio").GetDouble() * 1.02);
        }
    }

    [Fact]
    public void CommittedDictionary_GatewayBatches_CompressBetterThanWithoutDictionary()
    {
        var manifest = Manifest();

        var with = manifest.GetProperty("ratios").GetProperty("gatewayBatch").GetProperty("ratio").GetDouble();
        var without = manifest.GetProperty("ratiosWithoutDictionary").GetProperty("gatewayBatch").GetProperty("ratio").GetDouble();

        Assert.True(with > without, $"with {with}, without {without}");
    }
}
