namespace MqttHealth.Broker.Options;

/// <summary>
/// The <c>Broker:Security:Jwt</c> section: JWT bearer tokens (docs/authentication.md). Off unless <see cref="JwksFile"/>
/// is set; then <see cref="Issuer"/> and <see cref="Audience"/> are required.
/// </summary>
public sealed class JwtOptions
{
    /// <summary>The JSON Web Key Set (RFC 7517) holding the issuer's public signing keys; re-read when it changes.</summary>
    public string? JwksFile { get; set; }

    /// <summary>The <c>iss</c> every token must carry, compared exactly.</summary>
    public string? Issuer { get; set; }

    /// <summary>The audience (<c>aud</c>, a string or an array) every token must name: the broker's identifier at the issuer.</summary>
    public string? Audience { get; set; }

    /// <summary>Tolerance for clocks that disagree, applied to <c>exp</c>, <c>nbf</c> and <c>iat</c>. Default 60 s; at most 10 minutes.</summary>
    public TimeSpan ClockSkew { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>When set, a token whose <c>exp</c> lies further than this after its <c>iat</c> (or <c>nbf</c>, or now) is refused.</summary>
    public TimeSpan? MaximumLifetime { get; set; }

    /// <summary>The claim naming the principal. Default <c>sub</c>.</summary>
    public string SubjectClaim { get; set; } = "sub";

    /// <summary>The claim holding roles, as an array of strings or one space-separated string. Default <c>roles</c>.</summary>
    public string RolesClaim { get; set; } = "roles";

    /// <summary>The claim holding OAuth scopes, space-separated (SMART on FHIR: <c>system/Observation.write</c>). Default <c>scope</c>.</summary>
    public string ScopeClaim { get; set; } = "scope";

    /// <summary>Scope to role: a token granted the scope gets the role. Scopes not listed grant nothing.</summary>
    public Dictionary<string, string> ScopeRoles { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Attribute name to claim name (e.g. <c>facility</c> from <c>facility</c>): string claims that topic patterns use as <c>{attr:NAME}</c>.</summary>
    public Dictionary<string, string> AttributeClaims { get; set; } = new(StringComparer.Ordinal);
}
