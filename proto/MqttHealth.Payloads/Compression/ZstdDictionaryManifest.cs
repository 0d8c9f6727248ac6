using System.Text.Json;

namespace MqttHealth.Payloads.Compression;

/// <summary>
/// The fields of a dictionary manifest (dictionaries/*.json) the codec needs. The manifest also records the corpus
/// and the measurements (docs/dictionary.md); those are for people and for the regression test, not for the codec.
/// </summary>
/// <param name="Id">The id written in the envelope header, 1..255.</param>
/// <param name="Name">The dictionary's name, e.g. "clinical-v1".</param>
/// <param name="File">The dictionary file's name beside the manifest.</param>
/// <param name="Sha256">The lowercase hex SHA-256 of the dictionary file.</param>
/// <param name="Size">The dictionary file's size in bytes.</param>
/// <param name="Level">The zstd level to compress with.</param>
/// <param name="ContentSize">Whether frames carry the content size.</param>
public sealed record ZstdDictionaryManifest(byte Id, string Name, string File, string Sha256, int Size, int Level, bool ContentSize)
{
    /// <summary>Reads a manifest; throws <see cref="DictionaryIntegrityException"/> when a field is missing or out of range.</summary>
    public static ZstdDictionaryManifest Parse(ReadOnlySpan<byte> json, string source)
    {
        try
        {
            using var document = JsonDocument.Parse(json.ToArray());
            var root = document.RootElement;
            var id = root.GetProperty("id").GetInt32();
            if (id is < 1 or > 255)
            {
                throw new DictionaryIntegrityException($"{source}: dictionary id {id} is outside 1..255.");
            }
            var sha = root.GetProperty("sha256").GetString() ?? "";
            if (sha.Length != 64 || !sha.All(char.IsAsciiHexDigitLower))
            {
                throw new DictionaryIntegrityException($"{source}: sha256 must be 64 lowercase hex digits.");
            }
            var file = root.GetProperty("file").GetString() ?? "";
            if (file.Length == 0 || file.Contains('/', StringComparison.Ordinal) || file.Contains('\\', StringComparison.Ordinal))
            {
                throw new DictionaryIntegrityException($"{source}: file must be a plain file name beside the manifest.");
            }
            return new ZstdDictionaryManifest(
                (byte)id,
                root.GetProperty("name").GetString() ?? "",
                file,
                sha,
                root.GetProperty("size").GetInt32(),
                root.GetProperty("level").GetInt32(),
                root.GetProperty("contentSize").GetBoolean());
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new DictionaryIntegrityException($"{source}: not a valid dictionary manifest ({e.Message}).", e);
        }
    }
}
