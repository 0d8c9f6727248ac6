namespace MqttHealth.Broker.Security.Authorization;

/// <summary>
/// A parsed, read-only topic authorization policy (docs/authorization.md): roles with allow/deny rules over
/// topic patterns, and the name of the admins role, which alone may use topics starting with '$'. Default
/// deny; a matching deny rule of any of the principal's roles wins over every allow rule.
/// </summary>
public sealed class AuthorizationPolicy
{
    /// <summary>The admins role name when the file does not set <c>admins</c>.</summary>
    public const string DefaultAdminsRole = "admin";

    internal AuthorizationPolicy(string source, string admins, IReadOnlyDictionary<string, PolicyRole> roles, BreakGlass.BreakGlassPolicy? breakGlass = null)
    {
        Source = source;
        Admins = admins;
        Roles = roles;
        BreakGlass = breakGlass;
    }

    /// <summary>Where the policy came from (the file path), for messages.</summary>
    public string Source { get; }

    /// <summary>The role whose members may publish and subscribe to topics starting with '$' (<c>$SYS/#</c>).</summary>
    public string Admins { get; }

    public IReadOnlyDictionary<string, PolicyRole> Roles { get; }

    /// <summary>Who may open emergency grants and within what (docs/break-glass.md); null when the file has no <c>breakGlass</c> section.</summary>
    public BreakGlass.BreakGlassPolicy? BreakGlass { get; }

    /// <summary>Parses a policy from JSON text. Throws <see cref="PolicyException"/> naming the path and the problem.</summary>
    /// <param name="json">The policy file's content.</param>
    /// <param name="source">Where the text came from, used in error messages.</param>
    public static AuthorizationPolicy Parse(string json, string source = "policy") => PolicyParser.Parse(json, source);

    /// <summary>Reads and parses a policy file. Throws <see cref="PolicyException"/>, also when the file cannot be read.</summary>
    public static AuthorizationPolicy Load(string path)
    {
        string json;
        try
        {
            json = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new PolicyException(path, "$", "the policy file cannot be read: " + e.Message, e);
        }

        return Parse(json, path);
    }

    /// <summary>
    /// The policy for one connection, placeholders filled in: compile once at CONNECT, then ask it per
    /// PUBLISH and SUBSCRIBE.
    /// </summary>
    public CompiledPolicy Compile(Principal principal, string clientId) => CompiledPolicy.For(this, principal, clientId);

    /// <summary>
    /// One decision, compiling the principal's rules first: for tests and tools. Connections keep a
    /// <see cref="CompiledPolicy"/> instead.
    /// </summary>
    public AuthorizationDecision Authorize(Principal principal, string clientId, TopicAction action, string topicOrFilter) =>
        Compile(principal, clientId).Authorize(action, topicOrFilter);
}
