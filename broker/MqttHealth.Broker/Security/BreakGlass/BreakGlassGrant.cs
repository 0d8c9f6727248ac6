using MqttHealth.Broker.Security.Authorization;

namespace MqttHealth.Broker.Security.BreakGlass;

/// <summary>
/// One emergency grant: who holds it, what it widens access to, why, and for how long; and, once over, how it ended and
/// how it was reviewed. The audit trail's BreakGlass* records are its source of truth (docs/break-glass.md).
/// </summary>
/// <param name="Id">The grant's id, <c>bg-</c> and 16 hex digits.</param>
/// <param name="Holder">The principal that opened it, as <c>Kind:Name</c> (e.g. <c>Password:dr.lee</c>); every connection of that principal may use it.</param>
/// <param name="ClientId">The client id of the connection that opened it.</param>
/// <param name="RequestId">The request's id, unique per holder: a replayed request is refused.</param>
/// <param name="Topics">The topic filters the grant covers.</param>
/// <param name="Actions">Publish and/or subscribe.</param>
/// <param name="Reason">The reason code, one of the policy's.</param>
/// <param name="OpenedAt">When it was opened.</param>
/// <param name="ExpiresAt">When it ends by itself.</param>
public sealed record BreakGlassGrant(
    string Id,
    string Holder,
    string ClientId,
    string RequestId,
    IReadOnlyList<string> Topics,
    IReadOnlyList<TopicAction> Actions,
    string Reason,
    DateTimeOffset OpenedAt,
    DateTimeOffset ExpiresAt)
{
    /// <summary>When it was closed (expired, closed by its holder, or ended by a policy change); null while open.</summary>
    public DateTimeOffset? ClosedAt { get; init; }

    /// <summary>Why it was closed: <c>expired</c>, <c>closed by holder</c>, ...</summary>
    public string? CloseReason { get; init; }

    /// <summary>How often it was used (each subscription, publish and delivery it allowed).</summary>
    public long Uses { get; init; }

    public DateTimeOffset? ReviewedAt { get; init; }

    public string? Reviewer { get; init; }

    /// <summary><c>justified</c> or <c>unjustified</c>.</summary>
    public string? ReviewOutcome { get; init; }

    public string? ReviewNote { get; init; }

    /// <summary>The holder's principal name (the part of <see cref="Holder"/> after the kind).</summary>
    public string HolderName => Holder[(Holder.IndexOf(':', StringComparison.Ordinal) + 1)..];

    /// <summary>Open at <paramref name="now"/>: not closed and not past its expiry.</summary>
    public bool IsOpenAt(DateTimeOffset now) => ClosedAt is null && now < ExpiresAt;

    /// <summary>How a principal is named as a grant's holder.</summary>
    public static string HolderOf(Principal principal)
    {
        ArgumentNullException.ThrowIfNull(principal);
        return $"{principal.Kind}:{principal.Name}";
    }

    /// <summary>The grant as a policy of its own: the engine asks it when the principal's roles refuse by default.</summary>
    internal CompiledPolicy Compile(Principal holder)
    {
        string role = "break-glass grant " + Id;
        var patterns = new List<TopicPattern>(Topics.Count);
        foreach (string topic in Topics)
        {
            patterns.Add(PolicyParser.ParsePattern(role, "$.topics", topic));
        }

        var policy = new AuthorizationPolicy(role, AuthorizationPolicy.DefaultAdminsRole, new Dictionary<string, PolicyRole>(StringComparer.Ordinal)
        {
            [role] = new PolicyRole(role, [new PolicyRule(role, 0, RuleEffect.Allow, Actions, patterns)]),
        });
        return policy.Compile(new Principal(holder.Name, holder.Kind, [role], holder.Attributes), ClientId);
    }
}
