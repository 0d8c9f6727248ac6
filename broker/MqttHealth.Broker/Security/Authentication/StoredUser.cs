namespace MqttHealth.Broker.Security.Authentication;

/// <summary>One entry of the users file: the name, the password hash string (<see cref="PasswordHasher"/>), roles and attributes.</summary>
/// <param name="Name">The MQTT user name, compared ordinally (case-sensitive, as MQTT strings are).</param>
/// <param name="PasswordHash">A <see cref="PasswordHasher"/> hash string; never the password. Empty for a certificate entry.</param>
/// <param name="Roles">Role names (<see cref="UserNames.IsValidRole"/>).</param>
/// <param name="Attributes">Attributes by lower-case key (<see cref="UserNames.IsValidAttributeKey"/>), e.g. <c>facility</c>.</param>
public sealed record StoredUser(string Name, string PasswordHash, IReadOnlyList<string> Roles, IReadOnlyDictionary<string, string> Attributes)
{
    /// <summary>
    /// A certificate entry (<c>"certificate": true</c>, no hash): roles and attributes for the client certificate
    /// identity of this name; it can never be used with a password.
    /// </summary>
    public bool IsCertificate { get; init; }

    /// <summary>The principal a connection that authenticated as this user acts for.</summary>
    public Principal ToPrincipal() => new(Name, PrincipalKind.Password, Roles, Attributes);
}
