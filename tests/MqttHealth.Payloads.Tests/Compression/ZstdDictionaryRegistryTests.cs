using System.Text.Json;
using MqttHealth.Payloads.Compression;

namespace MqttHealth.Payloads.Tests.Compression;

public sealed class ZstdDictionaryRegistryTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("mh-dict-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static byte[] EmbeddedResource(string name)
    {
        using var stream = typeof(ZstdDictionaryRegistry).Assembly.GetManifestResourceStream("dictionaries/" + name)!;
        var buffer = new byte[stream.Length];
        stream.ReadExactly(buffer);
        return buffer;
    }

    private void CopyCommitted()
    {
        File.WriteAllBytes(Path.Combine(_directory, "clinical-v1.dict"), EmbeddedResource("clinical-v1.dict"));
        File.WriteAllBytes(Path.Combine(_directory, "clinical-v1.json"), EmbeddedResource("clinical-v1.json"));
    }

    [Fact]
    public void Registry_Embedded_LoadsClinicalV1AsId1()
    {
        using var registry = ZstdDictionaryRegistry.FromEmbeddedResources();

        var dictionary = registry.Get(1);

        Assert.Equal("clinical-v1", dictionary.Manifest.Name);
        Assert.Contains((byte)1, registry.Ids);
    }

    [Fact]
    public void Registry_UnknownId_Refused()
    {
        using var registry = ZstdDictionaryRegistry.FromEmbeddedResources();

        var error = Assert.Throws<UnknownDictionaryException>(() => registry.Get(42));

        Assert.Equal(42, error.DictionaryId);
        Assert.Contains("42", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Registry_DirectoryCopy_LoadsAndMatchesEmbedded()
    {
        CopyCommitted();
        using var registry = ZstdDictionaryRegistry.FromDirectory(_directory);

        Assert.Equal(EmbeddedResource("clinical-v1.dict"), registry.Get(1).Content);
    }

    [Fact]
    public void Registry_FileWithOtherSha256_Refused()
    {
        CopyCommitted();
        var path = Path.Combine(_directory, "clinical-v1.dict");
        var bytes = File.ReadAllBytes(path);
        bytes[^1] ^= 0x01;
        File.WriteAllBytes(path, bytes);
        using var registry = ZstdDictionaryRegistry.FromDirectory(_directory);

        var error = Assert.Throws<DictionaryIntegrityException>(() => registry.Get(1));

        Assert.Contains("SHA-256", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Registry_FileOfOtherSize_Refused()
    {
        CopyCommitted();
        File.AppendAllText(Path.Combine(_directory, "clinical-v1.dict"), "x");
        using var registry = ZstdDictionaryRegistry.FromDirectory(_directory);

        var error = Assert.Throws<DictionaryIntegrityException>(() => registry.Get(1));

        Assert.Contains("the manifest says", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Registry_MissingFile_Refused()
    {
        CopyCommitted();
        File.Delete(Path.Combine(_directory, "clinical-v1.dict"));
        using var registry = ZstdDictionaryRegistry.FromDirectory(_directory);

        var error = Assert.Throws<DictionaryIntegrityException>(() => registry.Get(1));

        Assert.Contains("missing", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Registry_TwoManifestsWithOneId_Refused()
    {
        CopyCommitted();
        File.Copy(Path.Combine(_directory, "clinical-v1.json"), Path.Combine(_directory, "copy.json"));

        var error = Assert.Throws<DictionaryIntegrityException>(() => ZstdDictionaryRegistry.FromDirectory(_directory));

        Assert.Contains("two manifests", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Registry_ManifestWithIdZero_Refused()
    {
        CopyCommitted();
        var path = Path.Combine(_directory, "clinical-v1.json");
        var json = JsonDocument.Parse(File.ReadAllText(path)).RootElement;
        File.WriteAllText(path, File.ReadAllText(path).Replace("\"id\": 1,", "\"id\": 0,", StringComparison.Ordinal));
        Assert.Equal(1, json.GetProperty("id").GetInt32());

        var error = Assert.Throws<DictionaryIntegrityException>(() => ZstdDictionaryRegistry.FromDirectory(_directory));

        Assert.Contains("outside 1..255", error.Message, StringComparison.Ordinal);
    }
}
