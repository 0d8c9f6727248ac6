using System.Security.Cryptography;
using System.Text.Json;

namespace MqttHealth.Broker.Security.Authentication.Tokens;

/// <summary>
/// The issuer's public signing keys, from a JSON Web Key Set file (RFC 7517 §5), re-read when the file's time or size
/// changes so keys can be rotated without a restart. A change that cannot be used keeps the last good keys.
/// </summary>
/// <remarks>
/// <para>Accepted: <c>kty</c> <c>EC</c> with <c>crv</c> <c>P-256</c> and <c>x</c>, <c>y</c> (for ES256), and <c>kty</c>
/// <c>RSA</c> with <c>n</c>, <c>e</c> of 2048 bits or more (for RS256); <c>kid</c> optional and unique; <c>use</c>,
/// <c>key_ops</c> and <c>alg</c> honoured when present.</para>
/// <para>Skipped (and reported in <see cref="Ignored"/>): keys for encryption (<c>use</c> other than <c>sig</c>, or
/// <c>key_ops</c> without <c>verify</c>), other key types and curves (OKP, P-384, ...), and keys declaring another
/// algorithm (RS384, PS256, ...): an identity provider's set often lists such keys beside the ones the broker uses.</para>
/// <para>Refused (the whole file): anything that is not a JWKS, private or symmetric key material (<c>d</c>, <c>p</c>,
/// <c>kty</c> <c>oct</c>: the file must hold public keys only, and an HMAC key here would let anyone who can read the
/// file sign tokens), RSA keys under 2048 bits, an <c>alg</c> that does not fit the key type, a <c>kid</c> given twice,
/// members given twice, malformed base64url, a point not on the curve, and a set with no usable key.</para>
/// </remarks>
public sealed class JsonWebKeySetFile
{
    /// <summary>Larger files are refused: a key set is a few kilobytes.</summary>
    public const int MaximumFileSize = 1024 * 1024;

    /// <summary>The smallest RSA modulus accepted (RFC 7518 §3.3: 2048 bits or larger MUST be used).</summary>
    public const int MinimumRsaBits = 2048;

    private readonly ReloadableFile<Snapshot, JwksException> _file;

    private JsonWebKeySetFile(string path)
    {
        _file = new ReloadableFile<Snapshot, JwksException>(path, Load);
    }

    /// <summary>The full path of the file.</summary>
    public string FilePath => _file.FilePath;

    /// <summary>The keys in use, in file order.</summary>
    public IReadOnlyList<JwtSigningKey> Keys => _file.Current.Keys;

    /// <summary>Why keys of the file in use were skipped, one line each.</summary>
    public IReadOnlyList<string> Ignored => _file.Current.Ignored;

    /// <summary>Why the last <see cref="Refresh"/> failed (one line), or null.</summary>
    public string? LastError => _file.LastError;

    /// <summary>Reads <paramref name="path"/>; throws <see cref="JwksException"/> naming the file and the problem.</summary>
    public static JsonWebKeySetFile Open(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return new JsonWebKeySetFile(Path.GetFullPath(path));
    }

    /// <summary>Re-reads the file if its last-write time or length changed since the last read. Thread-safe.</summary>
    public FileRefresh Refresh() => _file.Refresh();

    /// <summary>Parses a key set; throws <see cref="JwksException"/> whose message starts with <paramref name="source"/>.</summary>
    public static (IReadOnlyList<JwtSigningKey> Keys, IReadOnlyList<string> Ignored) Parse(ReadOnlySpan<byte> json, string source)
    {
        try
        {
            return ParseCore(json);
        }
        catch (JsonException ex)
        {
            string where = ex.LineNumber is { } line ? $" (line {line + 1}, position {(ex.BytePositionInLine ?? 0) + 1})" : string.Empty;
            throw new JwksException($"{source} is not valid JSON{where}: {OneLine(ex.Message)}", ex);
        }
        catch (FormatException ex)
        {
            throw new JwksException($"{source} is not a usable JWKS: {ex.Message}", ex);
        }
    }

    private static Snapshot Load(string path)
    {
        string source = $"JWKS file '{path}'";
        byte[] bytes;
        try
        {
            var info = new FileInfo(path);
            if (!info.Exists)
            {
                throw new JwksException($"{source} does not exist");
            }

            if (info.Length > MaximumFileSize)
            {
                throw new JwksException($"{source} is larger than {MaximumFileSize} bytes");
            }

            bytes = File.ReadAllBytes(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new JwksException($"{source} cannot be read: {OneLine(ex.Message)}", ex);
        }

        (IReadOnlyList<JwtSigningKey> keys, IReadOnlyList<string> ignored) = Parse(bytes, source);
        return new Snapshot(keys, ignored);
    }

    private static (IReadOnlyList<JwtSigningKey> Keys, IReadOnlyList<string> Ignored) ParseCore(ReadOnlySpan<byte> json)
    {
        var options = new JsonDocumentOptions { AllowTrailingCommas = false, CommentHandling = JsonCommentHandling.Disallow, AllowDuplicateProperties = false, MaxDepth = 16 };
        using JsonDocument document = JsonDocument.Parse(json.ToArray(), options);
        JsonElement root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("keys", out JsonElement keysElement) || keysElement.ValueKind != JsonValueKind.Array)
        {
            throw new FormatException("the top level must be an object with a \"keys\" array (RFC 7517 §5)");
        }

        var keys = new List<JwtSigningKey>();
        var ignored = new List<string>();
        var keyIds = new HashSet<string>(StringComparer.Ordinal);
        int index = 0;
        foreach (JsonElement entry in keysElement.EnumerateArray())
        {
            string name = $"keys[{index++}]";
            if (entry.ValueKind != JsonValueKind.Object)
            {
                throw new FormatException($"{name} is not an object");
            }

            string? kid = OptionalString(entry, "kid", name);
            if (kid is not null)
            {
                name = $"{name} (kid '{kid}')";
                if (!keyIds.Add(kid))
                {
                    throw new FormatException($"the kid '{kid}' appears twice: a token naming it could not say which key it means");
                }
            }

            if (ParseKey(entry, kid, name, out string? skipped) is { } key)
            {
                keys.Add(key);
            }
            else
            {
                ignored.Add($"{name}: {skipped}");
            }
        }

        if (keys.Count == 0)
        {
            throw new FormatException($"it holds no usable signing key (EC P-256 for ES256 or RSA of {MinimumRsaBits} bits or more for RS256){(ignored.Count > 0 ? "; ignored: " + string.Join("; ", ignored) : string.Empty)}");
        }

        return (keys, ignored);
    }

    private static JwtSigningKey? ParseKey(JsonElement entry, string? kid, string name, out string? skipped)
    {
        skipped = null;
        string kty = OptionalString(entry, "kty", name) ?? throw new FormatException($"{name} has no \"kty\"");
        if (kty == "oct")
        {
            throw new FormatException($"{name} is a symmetric (kty oct) key: the file must hold public keys only, and HS256 tokens are not accepted");
        }

        if (entry.TryGetProperty("d", out _) || entry.TryGetProperty("p", out _) || entry.TryGetProperty("q", out _))
        {
            throw new FormatException($"{name} holds private key material (\"d\", \"p\" or \"q\"): the file must hold public keys only");
        }

        string? use = OptionalString(entry, "use", name);
        string? alg = OptionalString(entry, "alg", name);
        if (use is not null && use != "sig")
        {
            skipped = $"\"use\" is \"{use}\", not \"sig\"";
            return null;
        }

        if (entry.TryGetProperty("key_ops", out JsonElement ops))
        {
            if (ops.ValueKind != JsonValueKind.Array || ops.EnumerateArray().Any(o => o.ValueKind != JsonValueKind.String))
            {
                throw new FormatException($"{name}: \"key_ops\" must be an array of strings");
            }

            if (!ops.EnumerateArray().Any(o => o.ValueEquals("verify")))
            {
                skipped = "\"key_ops\" does not include \"verify\"";
                return null;
            }
        }

        switch (kty)
        {
            case "EC":
            {
                string crv = OptionalString(entry, "crv", name) ?? throw new FormatException($"{name} is an EC key without \"crv\"");
                if (crv != "P-256")
                {
                    skipped = $"curve {crv} is not supported (only P-256, for ES256)";
                    return null;
                }

                if (!AlgorithmFits(alg, "ES256", name, kty, out skipped))
                {
                    return null;
                }

                byte[] x = Coordinate(entry, "x", name);
                byte[] y = Coordinate(entry, "y", name);
                try
                {
                    return JwtSigningKey.ForEcdsa(kid, x, y);
                }
                catch (CryptographicException ex)
                {
                    throw new FormatException($"{name} is not a valid P-256 public key ({OneLine(ex.Message)})", ex);
                }
            }

            case "RSA":
            {
                if (!AlgorithmFits(alg, "RS256", name, kty, out skipped))
                {
                    return null;
                }

                byte[] n = Member(entry, "n", name);
                byte[] e = Member(entry, "e", name);
                if (n.Length == 0 || n[0] == 0 || e.Length == 0 || e.Length > 8 || e[0] == 0)
                {
                    throw new FormatException($"{name}: \"n\" and \"e\" must be unsigned big-endian integers without leading zero octets (RFC 7518 §6.3.1)");
                }

                int bits = ((n.Length - 1) * 8) + 32 - System.Numerics.BitOperations.LeadingZeroCount((uint)n[0]);
                if (bits < MinimumRsaBits)
                {
                    throw new FormatException($"{name} is an RSA key of {bits} bits; at least {MinimumRsaBits} are required");
                }

                try
                {
                    return JwtSigningKey.ForRsa(kid, n, e);
                }
                catch (CryptographicException ex)
                {
                    throw new FormatException($"{name} is not a valid RSA public key ({OneLine(ex.Message)})", ex);
                }
            }

            default:
                skipped = $"key type \"{kty}\" is not supported (only EC P-256 and RSA)";
                return null;
        }
    }

    private static bool AlgorithmFits(string? alg, string expected, string name, string kty, out string? skipped)
    {
        skipped = null;
        if (alg is null || alg == expected)
        {
            return true;
        }

        if (alg is "ES256" or "RS256")
        {
            throw new FormatException($"{name} declares \"alg\" {alg}, which does not fit its key type {kty}");
        }

        skipped = $"algorithm {alg} is not accepted (only ES256 and RS256)";
        return false;
    }

    private static byte[] Coordinate(JsonElement entry, string member, string name)
    {
        byte[] value = Member(entry, member, name);
        return value.Length == 32 ? value : throw new FormatException($"{name}: \"{member}\" is {value.Length} bytes, a P-256 coordinate is 32 (RFC 7518 §6.2.1.2)");
    }

    private static byte[] Member(JsonElement entry, string member, string name)
    {
        string encoded = OptionalString(entry, member, name) ?? throw new FormatException($"{name} has no \"{member}\"");
        return Base64UrlStrict.Decode(encoded) ?? throw new FormatException($"{name}: \"{member}\" is not base64url without padding");
    }

    private static string? OptionalString(JsonElement entry, string member, string name)
    {
        if (!entry.TryGetProperty(member, out JsonElement value))
        {
            return null;
        }

        return value.ValueKind == JsonValueKind.String ? value.GetString() : throw new FormatException($"{name}: \"{member}\" must be a string");
    }

    private static string OneLine(string message) => message.ReplaceLineEndings(" ").Trim();

    private sealed record Snapshot(IReadOnlyList<JwtSigningKey> Keys, IReadOnlyList<string> Ignored);
}
