using System.Reflection;

namespace MqttHealth.Payloads.Compression;

/// <summary>
/// The committed dictionaries by id. Reads every manifest up front (a duplicate id or a malformed manifest fails at
/// once); loads a dictionary on first use, refusing a file whose size or SHA-256 does not match its manifest, and
/// an id no manifest declares. Thread-safe; loaded dictionaries live as long as the registry.
/// </summary>
public sealed class ZstdDictionaryRegistry : IDisposable
{
    private const string ResourcePrefix = "dictionaries/";

    private readonly Dictionary<byte, ZstdDictionaryManifest> _manifests = [];
    private readonly Func<string, byte[]?> _readFile;
    private readonly string _origin;
    private readonly Dictionary<byte, ZstdDictionary> _loaded = [];
    private readonly Lock _gate = new();

    private ZstdDictionaryRegistry(string origin, IEnumerable<(string Name, byte[] Json)> manifests, Func<string, byte[]?> readFile)
    {
        _origin = origin;
        _readFile = readFile;
        foreach (var (name, json) in manifests)
        {
            var manifest = ZstdDictionaryManifest.Parse(json, $"{origin}/{name}");
            if (!_manifests.TryAdd(manifest.Id, manifest))
            {
                throw new DictionaryIntegrityException($"{origin}: two manifests declare dictionary id {manifest.Id}.");
            }
        }
    }

    /// <summary>The dictionaries embedded in this assembly at build time (dictionaries/*.dict and *.json of the repository).</summary>
    public static ZstdDictionaryRegistry FromEmbeddedResources()
    {
        var assembly = typeof(ZstdDictionaryRegistry).Assembly;
        var manifests = new List<(string, byte[])>();
        foreach (var resource in assembly.GetManifestResourceNames())
        {
            if (resource.StartsWith(ResourcePrefix, StringComparison.Ordinal) && resource.EndsWith(".json", StringComparison.Ordinal))
            {
                manifests.Add((resource[ResourcePrefix.Length..], ReadResource(assembly, resource)!));
            }
        }
        return new ZstdDictionaryRegistry("embedded", manifests, file => ReadResource(assembly, ResourcePrefix + file));
    }

    /// <summary>The dictionaries in <paramref name="directory"/>: every *.json manifest and the file each names.</summary>
    public static ZstdDictionaryRegistry FromDirectory(string directory)
    {
        if (!Directory.Exists(directory))
        {
            throw new DirectoryNotFoundException($"Dictionary directory {directory} does not exist.");
        }
        var manifests = Directory.GetFiles(directory, "*.json")
            .Order(StringComparer.Ordinal)
            .Select(path => (Path.GetFileName(path), File.ReadAllBytes(path)));
        return new ZstdDictionaryRegistry(directory, manifests, file =>
        {
            var path = Path.Combine(directory, file);
            return File.Exists(path) ? File.ReadAllBytes(path) : null;
        });
    }

    /// <summary>The ids this registry's manifests declare.</summary>
    public IReadOnlyCollection<byte> Ids => _manifests.Keys;

    /// <summary>The dictionary <paramref name="id"/>; throws <see cref="UnknownDictionaryException"/> or <see cref="DictionaryIntegrityException"/>.</summary>
    public ZstdDictionary Get(byte id)
    {
        lock (_gate)
        {
            if (_loaded.TryGetValue(id, out var loaded))
            {
                return loaded;
            }
            if (!_manifests.TryGetValue(id, out var manifest))
            {
                throw new UnknownDictionaryException(id);
            }
            var content = _readFile(manifest.File)
                ?? throw new DictionaryIntegrityException($"{_origin}: dictionary {id} ({manifest.Name}): file {manifest.File} is missing.");
            var dictionary = ZstdDictionary.Create(manifest, content);
            _loaded.Add(id, dictionary);
            return dictionary;
        }
    }

    /// <summary>A new codec (its own contexts) over dictionary <paramref name="id"/>; dispose it when done.</summary>
    public ZstdDictionaryCodec CreateCodec(byte id) => new(Get(id));

    public void Dispose()
    {
        lock (_gate)
        {
            foreach (var dictionary in _loaded.Values)
            {
                dictionary.Dispose();
            }
            _loaded.Clear();
        }
    }

    private static byte[]? ReadResource(Assembly assembly, string name)
    {
        using var stream = assembly.GetManifestResourceStream(name);
        if (stream is null)
        {
            return null;
        }
        var buffer = new byte[stream.Length];
        stream.ReadExactly(buffer);
        return buffer;
    }
}
