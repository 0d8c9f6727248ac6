using System.Net;
using System.Text.Json;
using MqttHealth.Broker.Options;

namespace MqttHealth.Broker.Security.Authentication.Tokens;

/// <summary>
/// JWT bearer tokens: checks one with <see cref="JwtValidator"/> and turns its claims into a <see cref="Principal"/>
/// of kind <see cref="PrincipalKind.Token"/>: the name from the subject claim, roles from the roles claim and from
/// scopes mapped to roles, attributes from configured claims. Thread-safe; CPU only (a signature check, well under a
/// millisecond), so it needs no concurrency gate and no back-off: a token cannot be guessed.
/// </summary>
public sealed class TokenAuthenticator
{
    /// <summary>The MQTT 5 Authentication Method (CONNECT and AUTH) whose Authentication Data is a token.</summary>
    public const string AuthenticationMethod = "JWT";

    private readonly JwtOptions _options;
    private readonly ILogger _logger;

    /// <param name="options">Issuer, audience, skew and the claim mapping; validated by BrokerOptionsValidator.</param>
    /// <param name="keys">The issuer's key set.</param>
    /// <param name="logger">Events 5020-5039.</param>
    /// <param name="timeProvider">The clock for <c>exp</c>, <c>nbf</c>, <c>iat</c>; the system clock when null.</param>
    public TokenAuthenticator(JwtOptions options, JsonWebKeySetFile keys, ILogger<TokenAuthenticator> logger, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentNullException.ThrowIfNull(logger);
        _options = options;
        _logger = logger;
        Keys = keys;
        Validator = new JwtValidator(keys, new JwtValidationParameters(options.Issuer!, options.Audience!, options.ClockSkew, options.MaximumLifetime), timeProvider);
        TokenLog.KeysLoaded(logger, keys.Keys.Count, keys.FilePath, options.Issuer!, options.Audience!, options.ClockSkew);
        foreach (string ignored in keys.Ignored)
        {
            TokenLog.KeyIgnored(logger, keys.FilePath, ignored);
        }
    }

    public JsonWebKeySetFile Keys { get; }

    public JwtValidator Validator { get; }

    /// <summary>
    /// True when a CONNECT password has the shape of a compact JWS: two dots, nothing but base64url between them, and a
    /// header that starts with <c>{"</c> (<c>eyJ</c>). Such a password is checked as a token and never as a password.
    /// </summary>
    public static bool LooksLikeToken(ReadOnlySpan<byte> password)
    {
        if (password.Length < 10 || !password.StartsWith("eyJ"u8))
        {
            return false;
        }

        int dots = 0;
        foreach (byte b in password)
        {
            if (b == (byte)'.')
            {
                dots++;
            }
        }

        if (dots != 2)
        {
            return false;
        }

        int first = password.IndexOf((byte)'.');
        int last = password.LastIndexOf((byte)'.');
        return Base64UrlStrict.IsAlphabet(password[..first]) && Base64UrlStrict.IsAlphabet(password[(first + 1)..last]) && Base64UrlStrict.IsAlphabet(password[(last + 1)..]);
    }

    /// <summary>
    /// Checks <paramref name="token"/> (<paramref name="how"/> it came, for the log: "password", "method JWT",
    /// "re-authentication"). Success: a token principal, expiring at <c>exp</c> plus the clock skew (the instant the
    /// same token starts being refused). Failure: <see cref="AuthenticationResult.Failed"/> with the reason in the log
    /// (event 5021) and in <see cref="AuthenticationResult.Detail"/> for the audit trail.
    /// </summary>
    public AuthenticationResult Authenticate(ReadOnlySpan<byte> token, string how, string connectionId, EndPoint? remote)
    {
        switch (Keys.Refresh())
        {
            case FileRefresh.Reloaded:
                TokenLog.KeysReloaded(_logger, Keys.FilePath, Keys.Keys.Count);
                foreach (string ignored in Keys.Ignored)
                {
                    TokenLog.KeyIgnored(_logger, Keys.FilePath, ignored);
                }

                break;
            case FileRefresh.Failed:
                TokenLog.KeysReloadFailed(_logger, Keys.Keys.Count, Keys.LastError ?? "unknown error");
                break;
        }

        if (!Validator.TryValidate(token, out ValidatedToken? validated, out string? error) || !TryMapPrincipal(validated!.Claims, out Principal? principal, out error))
        {
            TokenLog.Refused(_logger, connectionId, remote, how, error!);
            return AuthenticationResult.Failed with { Detail = $"token refused: {error}" };
        }

        DateTimeOffset expiresAt = validated.ExpiresAt + _options.ClockSkew;
        TokenLog.Accepted(_logger, connectionId, remote, principal!.Name, how, validated.Key, validated.ExpiresAt);
        return AuthenticationResult.Success(principal!, expiresAt) with { Detail = $"token ({validated.Key})" };
    }

    private bool TryMapPrincipal(JsonElement claims, out Principal? principal, out string? error)
    {
        principal = null;
        if (!claims.TryGetProperty(_options.SubjectClaim, out JsonElement subject) || subject.ValueKind != JsonValueKind.String)
        {
            error = $"no \"{_options.SubjectClaim}\" string (the subject claim)";
            return false;
        }

        string name = subject.GetString()!;
        if (!UserNames.IsValidName(name))
        {
            error = $"the subject claim \"{_options.SubjectClaim}\" is not a valid name (1 to {UserNames.MaximumNameLength} characters, no control characters)";
            return false;
        }

        var roles = new List<string>();
        if (claims.TryGetProperty(_options.RolesClaim, out JsonElement rolesClaim))
        {
            if (!TryReadList(rolesClaim, roles))
            {
                error = $"\"{_options.RolesClaim}\" is neither an array of strings nor a space-separated string";
                return false;
            }

            foreach (string role in roles)
            {
                if (!UserNames.IsValidRole(role))
                {
                    error = $"\"{_options.RolesClaim}\" holds an invalid role name (letters, digits, '.', '_', '-'; up to {UserNames.MaximumRoleLength})";
                    return false;
                }
            }
        }

        if (_options.ScopeRoles.Count > 0 && claims.TryGetProperty(_options.ScopeClaim, out JsonElement scopeClaim))
        {
            var scopes = new List<string>();
            if (!TryReadList(scopeClaim, scopes))
            {
                error = $"\"{_options.ScopeClaim}\" is neither a space-separated string nor an array of strings";
                return false;
            }

            foreach (string scope in scopes)
            {
                if (_options.ScopeRoles.TryGetValue(scope, out string? role) && !roles.Contains(role, StringComparer.Ordinal))
                {
                    roles.Add(role);
                }
            }
        }

        var attributes = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach ((string attribute, string claim) in _options.AttributeClaims)
        {
            if (!claims.TryGetProperty(claim, out JsonElement value))
            {
                continue;
            }

            // A value with '/', '+' or '#' would widen the topic patterns it is substituted into: refused, not cleaned.
            if (value.ValueKind != JsonValueKind.String || !UserNames.IsValidAttributeValue(value.GetString()))
            {
                error = $"the claim \"{claim}\" (attribute {attribute}) is not a string of 1 to {UserNames.MaximumAttributeLength} characters without control characters, '/', '+' or '#'";
                return false;
            }

            attributes[attribute] = value.GetString()!;
        }

        principal = new Principal(name, PrincipalKind.Token, roles, attributes);
        error = null;
        return true;
    }

    private static bool TryReadList(JsonElement claim, List<string> into)
    {
        switch (claim.ValueKind)
        {
            case JsonValueKind.String:
                into.AddRange(claim.GetString()!.Split(' ', StringSplitOptions.RemoveEmptyEntries));
                return true;
            case JsonValueKind.Array:
                foreach (JsonElement item in claim.EnumerateArray())
                {
                    if (item.ValueKind != JsonValueKind.String)
                    {
                        return false;
                    }

                    into.Add(item.GetString()!);
                }

                return true;
            default:
                return false;
        }
    }
}
