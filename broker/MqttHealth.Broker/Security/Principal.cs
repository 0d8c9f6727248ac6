namespace MqttHealth.Broker.Security;

/// <summary>How a principal proved who it is.</summary>
public enum PrincipalKind
{
    /// <summary>No credentials: only where anonymous access is allowed.</summary>
    Anonymous,

    /// <summary>User name and password, checked against the broker's user store.</summary>
    Password,

    /// <summary>An X.509 client certificate issued by the facility CA (mutual TLS).</summary>
    Certificate,

    /// <summary>A JWT bearer token from a configured issuer.</summary>
    Token,
}

/// <summary>
/// Who a connection acts for, once authenticated: the name policies and the audit trail use, the roles that
/// grant access, and attributes (facility, unit, device, ...) that topic patterns can refer to. Immutable;
/// one per connection.
/// </summary>
/// <param name="Name">The user name, the certificate's identity (subject CN or SAN), or the token's subject.</param>
/// <param name="Kind">How the identity was established.</param>
/// <param name="Roles">Role names from the user store, the certificate mapping or the token's claims.</param>
/// <param name="Attributes">Attributes by name (lower case), e.g. <c>facility</c>, <c>unit</c>, <c>device</c>.</param>
public sealed record Principal(string Name, PrincipalKind Kind, IReadOnlyList<string> Roles, IReadOnlyDictionary<string, string> Attributes)
{
    private static readonly IReadOnlyDictionary<string, string> NoAttributes = new Dictionary<string, string>();

    /// <summary>The principal of a connection without credentials, where anonymous access is allowed.</summary>
    public static Principal Anonymous { get; } = new(string.Empty, PrincipalKind.Anonymous, [], NoAttributes);

    public bool HasRole(string role) => Roles.Contains(role, StringComparer.Ordinal);
}
