using System.Text;
using System.Text.Json;

namespace MqttHealth.Broker.Security.Authentication.Tokens;

/*
 * A deliberately small JWS/JWT verifier (RFC 7515 compact serialization, RFC 7519 claims), written here because the
 * only JWT library that restores on this machine is Microsoft.IdentityModel.JsonWebTokens 6.8.0 (2020): old, large,
 * and permissive in ways this broker does not want. The whole attack surface of a token check is this file.
 *
 * Order of checks, each failure a one-line reason for the log (never for the client):
 *   1. size (at most 8 KB) and shape: exactly three base64url segments without padding (five would be a JWE);
 *   2. header: a JSON object without duplicate members; "alg" ES256 or RS256 only ("none", HS*, PS*, ... refused,
 *      whatever the key set holds); no "crit" (no extension is understood, RFC 7515 §4.1.11); "typ", when present,
 *      JWT or at+jwt (RFC 9068) so another kind of signed JSON is not taken for an access token; "jku", "jwk", "x5u"
 *      and "x5c" are never used: keys come from the configured set only;
 *   3. key: with "kid" only that key, and its type must fit "alg" (an RSA key never verifies ES256, and no key is
 *      ever used as an HMAC secret, which defeats the classic key-confusion attack); without "kid", every key of
 *      the algorithm's type;
 *   4. signature over the ASCII of header.payload as sent: ES256 exactly 64 bytes r||s (DER is refused), RS256
 *      PKCS#1 v1.5 exactly the modulus length;
 *   5. only then the payload: a JSON object without duplicate members; "iss" equal to the issuer; "aud" (string or
 *      array of strings) containing the audience; "exp" required, "nbf" and "iat" honoured when present, all
 *      NumericDates (RFC 7519 §2) with the configured skew; the optional maximum lifetime.
 */

/// <summary>Verifies compact JWS tokens against a <see cref="JsonWebKeySetFile"/> and checks their registered claims.</summary>
public sealed class JwtValidator
{
    /// <summary>Longer tokens are refused before any parsing.</summary>
    public const int MaximumTokenLength = 8 * 1024;

    // NumericDate bounds: 1970 to the end of year 9999, so every value converts to a DateTimeOffset.
    private const double LatestNumericDate = 253_402_300_799;

    private static readonly JsonDocumentOptions StrictJson = new()
    {
        AllowTrailingCommas = false,
        CommentHandling = JsonCommentHandling.Disallow,
        AllowDuplicateProperties = false,
        MaxDepth = 16,
    };

    private readonly JsonWebKeySetFile _keys;
    private readonly JwtValidationParameters _parameters;
    private readonly TimeProvider _time;

    public JwtValidator(JsonWebKeySetFile keys, JwtValidationParameters parameters, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentException.ThrowIfNullOrEmpty(parameters.Issuer);
        ArgumentException.ThrowIfNullOrEmpty(parameters.Audience);
        ArgumentOutOfRangeException.ThrowIfLessThan(parameters.ClockSkew, TimeSpan.Zero);
        _keys = keys;
        _parameters = parameters;
        _time = timeProvider ?? TimeProvider.System;
    }

    public JwtValidationParameters Parameters => _parameters;

    /// <summary>
    /// Checks <paramref name="token"/> (the ASCII bytes of a compact JWS). True with the token when it is good; false
    /// with a one-line reason, for the log, when it is not.
    /// </summary>
    public bool TryValidate(ReadOnlySpan<byte> token, out ValidatedToken? validated, out string? error)
    {
        validated = null;
        try
        {
            validated = Validate(token);
            error = null;
            return true;
        }
        catch (TokenRejectedException ex)
        {
            error = ex.Message;
            return false;
        }
    }

    private ValidatedToken Validate(ReadOnlySpan<byte> token)
    {
        if (token.Length > MaximumTokenLength)
        {
            throw Reject($"the token is {token.Length} bytes, more than {MaximumTokenLength}");
        }

        int first = token.IndexOf((byte)'.');
        int second = first < 0 ? -1 : token[(first + 1)..].IndexOf((byte)'.');
        if (second < 0)
        {
            throw Reject("not a compact JWS (three base64url parts separated by dots)");
        }

        second += first + 1;
        ReadOnlySpan<byte> encodedHeader = token[..first];
        ReadOnlySpan<byte> encodedPayload = token[(first + 1)..second];
        ReadOnlySpan<byte> encodedSignature = token[(second + 1)..];
        if (encodedSignature.Contains((byte)'.'))
        {
            throw Reject(token.Count((byte)'.') == 4 ? "an encrypted token (JWE) is not accepted" : "not a compact JWS (more than three parts)");
        }

        byte[] header = Decode(encodedHeader, "header");
        byte[] payload = Decode(encodedPayload, "payload");
        byte[] signature = Decode(encodedSignature, "signature");
        if (encodedHeader.IsEmpty || encodedPayload.IsEmpty)
        {
            throw Reject("the header or the payload is empty");
        }

        (JwtAlgorithm algorithm, string? kid) = ReadHeader(header);
        if (signature.Length == 0)
        {
            throw Reject("the signature is empty");
        }

        JwtSigningKey key = Verify(algorithm, kid, token[..second], signature);
        JsonElement claims = ParseObject(payload, "payload");
        DateTimeOffset expiresAt = CheckClaims(claims);
        return new ValidatedToken(claims, algorithm, key, expiresAt);
    }

    private static (JwtAlgorithm Algorithm, string? KeyId) ReadHeader(byte[] header)
    {
        JsonElement root = ParseObject(header, "header");
        if (!root.TryGetProperty("alg", out JsonElement alg) || alg.ValueKind != JsonValueKind.String)
        {
            throw Reject("the header has no \"alg\" string");
        }

        JwtAlgorithm algorithm = alg.GetString() switch
        {
            "ES256" => JwtAlgorithm.ES256,
            "RS256" => JwtAlgorithm.RS256,
            "none" => throw Reject("\"alg\": \"none\" (an unsigned token) is never accepted"),
            string other => throw Reject($"algorithm \"{Printable(other)}\" is not accepted (only ES256 and RS256)"),
            null => throw Reject("the header has no \"alg\" string"),
        };

        if (root.TryGetProperty("crit", out _))
        {
            throw Reject("the header has \"crit\": no JWS extension is understood (RFC 7515 §4.1.11)");
        }

        if (root.TryGetProperty("typ", out JsonElement typ))
        {
            string? value = typ.ValueKind == JsonValueKind.String ? typ.GetString() : null;
            if (value is null || !(value.Equals("JWT", StringComparison.OrdinalIgnoreCase) || value.Equals("at+jwt", StringComparison.OrdinalIgnoreCase) || value.Equals("application/at+jwt", StringComparison.OrdinalIgnoreCase)))
            {
                throw Reject($"\"typ\" {(value is null ? "is not a string" : $"\"{Printable(value)}\" is not JWT or at+jwt")}");
            }
        }

        string? kid = null;
        if (root.TryGetProperty("kid", out JsonElement kidElement))
        {
            kid = kidElement.ValueKind == JsonValueKind.String ? kidElement.GetString() : throw Reject("\"kid\" is not a string");
        }

        return (algorithm, kid);
    }

    private JwtSigningKey Verify(JwtAlgorithm algorithm, string? kid, ReadOnlySpan<byte> signingInput, byte[] signature)
    {
        IReadOnlyList<JwtSigningKey> keys = _keys.Keys;
        if (kid is not null)
        {
            JwtSigningKey? named = null;
            foreach (JwtSigningKey key in keys)
            {
                if (key.KeyId == kid)
                {
                    named = key;
                    break;
                }
            }

            if (named is null)
            {
                throw Reject($"no key with kid \"{Printable(kid)}\" in the key set");
            }

            if (named.Algorithm != algorithm)
            {
                throw Reject($"\"alg\" {algorithm} does not fit {named}");
            }

            CheckSignatureLength(algorithm, signature, named);
            return named.Verify(signingInput, signature) ? named : throw Reject($"the signature does not verify with {named}");
        }

        bool any = false;
        foreach (JwtSigningKey key in keys)
        {
            if (key.Algorithm != algorithm)
            {
                continue;
            }

            any = true;
            CheckSignatureLength(algorithm, signature, key);
            if (key.Verify(signingInput, signature))
            {
                return key;
            }
        }

        throw Reject(any ? $"the signature does not verify with any {algorithm} key (the token has no kid)" : $"no {algorithm} key in the key set");
    }

    private static void CheckSignatureLength(JwtAlgorithm algorithm, byte[] signature, JwtSigningKey key)
    {
        if (algorithm == JwtAlgorithm.ES256 && signature.Length != 64)
        {
            throw Reject($"an ES256 signature is 64 bytes (r||s, RFC 7518 §3.4), this one is {signature.Length}{(signature.Length > 64 && signature[0] == 0x30 ? " (DER-encoded?)" : string.Empty)}");
        }

        if (algorithm == JwtAlgorithm.RS256 && signature.Length != (key.SizeInBits + 7) / 8)
        {
            throw Reject($"an RS256 signature for {key} is {(key.SizeInBits + 7) / 8} bytes, this one is {signature.Length}");
        }
    }

    private DateTimeOffset CheckClaims(JsonElement claims)
    {
        if (!claims.TryGetProperty("iss", out JsonElement iss) || iss.ValueKind != JsonValueKind.String)
        {
            throw Reject("no \"iss\" string");
        }

        if (!iss.ValueEquals(_parameters.Issuer))
        {
            throw Reject($"issuer \"{Printable(iss.GetString()!)}\" is not the configured issuer");
        }

        if (!claims.TryGetProperty("aud", out JsonElement aud))
        {
            throw Reject("no \"aud\"");
        }

        if (!ContainsAudience(aud))
        {
            throw Reject("the audience (\"aud\") does not include the configured audience");
        }

        DateTimeOffset now = _time.GetUtcNow();
        TimeSpan skew = _parameters.ClockSkew;
        DateTimeOffset exp = NumericDate(claims, "exp") ?? throw Reject("no \"exp\": tokens without an expiry are not accepted");
        if (now >= exp + skew)
        {
            throw Reject($"expired at {exp:u} (clock skew {skew.TotalSeconds} s, now {now:u})");
        }

        DateTimeOffset? nbf = NumericDate(claims, "nbf");
        if (nbf is { } notBefore && now < notBefore - skew)
        {
            throw Reject($"not valid before {notBefore:u} (clock skew {skew.TotalSeconds} s, now {now:u})");
        }

        DateTimeOffset? iat = NumericDate(claims, "iat");
        if (iat is { } issued && issued > now + skew)
        {
            throw Reject($"issued in the future, at {issued:u} (clock skew {skew.TotalSeconds} s, now {now:u})");
        }

        if (_parameters.MaximumLifetime is { } maximum)
        {
            DateTimeOffset start = iat ?? nbf ?? now;
            if (exp - start > maximum)
            {
                throw Reject($"lifetime {(exp - start).TotalSeconds:0} s is longer than the maximum {maximum.TotalSeconds:0} s");
            }
        }

        return exp;
    }

    private bool ContainsAudience(JsonElement aud)
    {
        switch (aud.ValueKind)
        {
            case JsonValueKind.String:
                return aud.ValueEquals(_parameters.Audience);
            case JsonValueKind.Array:
                bool found = false;
                foreach (JsonElement item in aud.EnumerateArray())
                {
                    if (item.ValueKind != JsonValueKind.String)
                    {
                        throw Reject("\"aud\" is an array with a member that is not a string");
                    }

                    found |= item.ValueEquals(_parameters.Audience);
                }

                return found;
            default:
                throw Reject("\"aud\" is neither a string nor an array of strings");
        }
    }

    private static DateTimeOffset? NumericDate(JsonElement claims, string name)
    {
        if (!claims.TryGetProperty(name, out JsonElement value))
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.Number || !value.TryGetDouble(out double seconds) || !double.IsFinite(seconds) || seconds < 0 || seconds > LatestNumericDate)
        {
            throw Reject($"\"{name}\" is not a NumericDate (seconds since 1970 as a JSON number)");
        }

        return DateTimeOffset.UnixEpoch.AddTicks((long)(seconds * TimeSpan.TicksPerSecond));
    }

    private static byte[] Decode(ReadOnlySpan<byte> encoded, string part) =>
        Base64UrlStrict.Decode(encoded) ?? throw Reject($"the {part} is not base64url without padding");

    private static JsonElement ParseObject(byte[] json, string part)
    {
        try
        {
            using JsonDocument document = JsonDocument.Parse(json, StrictJson);
            return document.RootElement.ValueKind == JsonValueKind.Object ? document.RootElement.Clone() : throw Reject($"the {part} is not a JSON object");
        }
        catch (JsonException ex)
        {
            // The parser's message says what (a duplicate member, a syntax error) without echoing the content.
            throw Reject($"the {part} is not valid JSON: {ex.Message.ReplaceLineEndings(" ")}");
        }
    }

    /// <summary>A value from the token for the log: at most 64 characters, control characters replaced.</summary>
    private static string Printable(string value)
    {
        var text = new StringBuilder(Math.Min(value.Length, 64));
        foreach (char c in value.Length > 64 ? value.AsSpan(0, 64) : value.AsSpan())
        {
            text.Append(char.IsControl(c) ? '?' : c);
        }

        return value.Length > 64 ? text.Append('…').ToString() : text.ToString();
    }

    private static TokenRejectedException Reject(string reason) => new(reason);

    private sealed class TokenRejectedException(string message) : Exception(message);
}
