using MqttHealth.Broker.Security.Authorization;

namespace MqttHealth.Broker.Security.BreakGlass;

/// <summary>
/// The policy file's <c>breakGlass</c> section (docs/break-glass.md): who may open an emergency grant, for which
/// actions, within which topics (patterns with placeholders, filled in for the principal who asks), for how long at
/// most, with which reason codes, and the topic the privacy office is alerted on.
/// </summary>
public sealed class BreakGlassPolicy
{
    /// <summary>The name of the synthetic role a principal's widest possible grant is checked against.</summary>
    internal const string ScopeRole = "break-glass scope";

    private readonly AuthorizationPolicy _scope;

    internal BreakGlassPolicy(IReadOnlyList<string> roles, IReadOnlyList<TopicAction> actions, IReadOnlyList<TopicPattern> topics, TimeSpan maxDuration, IReadOnlyList<string> reasons, string alertTopic, string source)
    {
        Roles = roles;
        Actions = actions;
        Topics = topics;
        MaxDuration = maxDuration;
        Reasons = reasons;
        AlertTopic = alertTopic;

        // The scope is checked as a subscription: a requested topic filter must be contained by one scope pattern,
        // whatever actions the grant asks for (a publish grant on a filter covers every topic the filter matches).
        var rule = new PolicyRule(ScopeRole, 0, RuleEffect.Allow, [TopicAction.Subscribe], topics);
        _scope = new AuthorizationPolicy(source, AuthorizationPolicy.DefaultAdminsRole, new Dictionary<string, PolicyRole>(StringComparer.Ordinal)
        {
            [ScopeRole] = new PolicyRole(ScopeRole, [rule]),
        });
    }

    /// <summary>The roles whose members may open a grant.</summary>
    public IReadOnlyList<string> Roles { get; }

    /// <summary>The actions a grant may ask for: <c>publish</c> and/or <c>subscribe</c> (never <c>retain</c>).</summary>
    public IReadOnlyList<TopicAction> Actions { get; }

    /// <summary>The widest scope of a grant; placeholders are filled in for the principal who asks.</summary>
    public IReadOnlyList<TopicPattern> Topics { get; }

    /// <summary>The longest a grant may last.</summary>
    public TimeSpan MaxDuration { get; }

    /// <summary>The reason codes a grant must give one of (codes, not free text: no patient data reaches the trail).</summary>
    public IReadOnlyList<string> Reasons { get; }

    /// <summary>The topic the broker publishes each grant's opening and closing to, for the privacy office.</summary>
    public string AlertTopic { get; }

    /// <summary>Whether <paramref name="principal"/> has a role that may open grants.</summary>
    public bool MayOpen(Principal principal)
    {
        ArgumentNullException.ThrowIfNull(principal);
        foreach (string role in Roles)
        {
            if (principal.HasRole(role))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Whether every topic <paramref name="filter"/> can match lies within the scope, as filled in for <paramref name="principal"/>.</summary>
    public bool IsWithinScope(Principal principal, string clientId, string filter)
    {
        var asScope = new Principal(principal.Name, principal.Kind, [ScopeRole], principal.Attributes);
        return _scope.Compile(asScope, clientId).AuthorizeSubscribe(filter).Allowed;
    }
}
