using System.Text;
using MqttHealth.Mqtt.Topics;

namespace MqttHealth.Broker.Security.Authorization;

/// <summary>
/// The rules of one principal on one connection, placeholders filled in once, sorted by action and effect:
/// the per-PUBLISH check walks a few arrays and allocates nothing.
/// </summary>
/// <remarks>
/// A placeholder whose value is missing, empty or contains '+', '#', '/' or U+0000 must never widen access:
/// an allow rule with such a placeholder does not apply at all, and in a deny rule the level becomes '+', so
/// the rule denies what it would deny for any value.
/// </remarks>
public sealed class CompiledPolicy
{
    private readonly CompiledPattern[] _allowPublish;
    private readonly CompiledPattern[] _denyPublish;
    private readonly CompiledPattern[] _allowRetain;
    private readonly CompiledPattern[] _denyRetain;
    private readonly CompiledPattern[] _allowSubscribe;
    private readonly CompiledPattern[] _denySubscribe;

    private CompiledPolicy(AuthorizationPolicy policy, bool isAdmin, Buckets buckets)
    {
        Policy = policy;
        IsAdmin = isAdmin;
        _allowPublish = [.. buckets.AllowPublish];
        _denyPublish = [.. buckets.DenyPublish];
        _allowRetain = [.. buckets.AllowRetain];
        _denyRetain = [.. buckets.DenyRetain];
        _allowSubscribe = [.. buckets.AllowSubscribe];
        _denySubscribe = [.. buckets.DenySubscribe];
    }

    /// <summary>The policy this was compiled from (compare with the store's current one after a reload).</summary>
    public AuthorizationPolicy Policy { get; }

    /// <summary>Whether the principal has the policy's admins role, which alone may use '$' topics.</summary>
    public bool IsAdmin { get; }

    public static CompiledPolicy For(AuthorizationPolicy policy, Principal principal, string clientId)
    {
        var buckets = new Buckets();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (string roleName in principal.Roles)
        {
            if (!seen.Add(roleName) || !policy.Roles.TryGetValue(roleName, out PolicyRole? role))
            {
                continue;
            }

            foreach (PolicyRule rule in role.Rules)
            {
                AddRule(buckets, rule, principal, clientId);
            }
        }

        return new CompiledPolicy(policy, principal.HasRole(policy.Admins), buckets);
    }

    /// <summary>Decides a PUBLISH (Topic Name), a retained PUBLISH (Topic Name) or a SUBSCRIBE (Topic Filter).</summary>
    public AuthorizationDecision Authorize(TopicAction action, string topicOrFilter) =>
        action == TopicAction.Subscribe ? AuthorizeSubscribe(topicOrFilter) : AuthorizePublish(topicOrFilter, action == TopicAction.Retain);

    /// <summary>
    /// Decides a PUBLISH to a Topic Name, with or without the RETAIN flag; allocates nothing. A retained
    /// PUBLISH needs a publish grant and a retain grant, and is refused by a deny rule for either.
    /// </summary>
    public AuthorizationDecision AuthorizePublish(ReadOnlySpan<char> topic, bool retain)
    {
        if (topic.IsEmpty || topic.IndexOfAny('+', '#', '\0') >= 0)
        {
            return AuthorizationDecision.Deny(AuthorizationDecision.InvalidTopicRule);
        }

        if (topic[0] == '$')
        {
            return DollarTopic();
        }

        string? deny = FirstMatch(_denyPublish, topic) ?? (retain ? FirstMatch(_denyRetain, topic) : null);
        if (deny is not null)
        {
            return AuthorizationDecision.Deny(deny);
        }

        string? allow = FirstMatch(_allowPublish, topic);
        if (allow is not null && retain)
        {
            allow = FirstMatch(_allowRetain, topic);
        }

        return allow is null ? AuthorizationDecision.Deny(AuthorizationDecision.DefaultDenyRule) : AuthorizationDecision.Allow(allow);
    }

    /// <summary>
    /// Decides whether a message on a Topic Name may be delivered to this principal: the check at delivery, so that a
    /// subscription the policy no longer covers (after a reload) delivers nothing more. For one concrete topic,
    /// "every topic the filter can match" is that topic, so this is <see cref="AuthorizeSubscribe"/> of the topic
    /// itself, decided by matching; allocates nothing.
    /// </summary>
    public AuthorizationDecision AuthorizeReceive(ReadOnlySpan<char> topic)
    {
        if (topic.IsEmpty || topic.IndexOfAny('+', '#', '\0') >= 0)
        {
            return AuthorizationDecision.Deny(AuthorizationDecision.InvalidTopicRule);
        }

        if (topic[0] == '$')
        {
            return DollarTopic();
        }

        string? deny = FirstMatch(_denySubscribe, topic);
        if (deny is not null)
        {
            return AuthorizationDecision.Deny(deny);
        }

        string? allow = FirstMatch(_allowSubscribe, topic);
        return allow is null ? AuthorizationDecision.Deny(AuthorizationDecision.DefaultDenyRule) : AuthorizationDecision.Allow(allow);
    }

    /// <summary>
    /// Decides a SUBSCRIBE: allowed only if one allow pattern contains the whole filter and no deny pattern
    /// overlaps it (some topic matches both). A filter covered only by several allow patterns together is
    /// refused (see docs/authorization.md). A Shared Subscription is decided on its inner filter.
    /// </summary>
    public AuthorizationDecision AuthorizeSubscribe(string filter)
    {
        if (!MqttTopic.IsValidTopicFilter(filter) || filter.Contains('\0', StringComparison.Ordinal))
        {
            return AuthorizationDecision.Deny(AuthorizationDecision.InvalidTopicRule);
        }

        string inner = MqttTopic.TryParseShared(filter, out _, out string shared) ? shared : filter;
        if (inner[0] == '$')
        {
            return DollarTopic();
        }

        string[] levels = inner.Split('/');
        foreach (CompiledPattern pattern in _denySubscribe)
        {
            if (TopicLevels.Overlaps(levels, pattern.Levels))
            {
                return AuthorizationDecision.Deny(pattern.Rule);
            }
        }

        foreach (CompiledPattern pattern in _allowSubscribe)
        {
            if (TopicLevels.Contains(pattern.Levels, levels))
            {
                return AuthorizationDecision.Allow(pattern.Rule);
            }
        }

        return AuthorizationDecision.Deny(AuthorizationDecision.DefaultDenyRule);
    }

    /// <summary>The expanded patterns, one line each (<c>allow publish mh/v1/f1/u1/d1/+ (role device, rule 0)</c>), for tools and tests.</summary>
    public IEnumerable<string> Describe()
    {
        foreach ((string name, CompiledPattern[] patterns) in new[]
        {
            ("deny publish", _denyPublish), ("deny retain", _denyRetain), ("deny subscribe", _denySubscribe),
            ("allow publish", _allowPublish), ("allow retain", _allowRetain), ("allow subscribe", _allowSubscribe),
        })
        {
            foreach (CompiledPattern pattern in patterns)
            {
                yield return $"{name} {string.Join('/', pattern.Levels)} ({pattern.Rule})";
            }
        }
    }

    private AuthorizationDecision DollarTopic() =>
        IsAdmin
            ? AuthorizationDecision.Allow(AuthorizationDecision.DollarTopicAdminRule)
            : AuthorizationDecision.Deny(AuthorizationDecision.DollarTopicAdminOnlyRule);

    private static string? FirstMatch(CompiledPattern[] patterns, ReadOnlySpan<char> topic)
    {
        foreach (CompiledPattern pattern in patterns)
        {
            if (TopicLevels.Matches(pattern.Levels, topic))
            {
                return pattern.Rule;
            }
        }

        return null;
    }

    private static void AddRule(Buckets buckets, PolicyRule rule, Principal principal, string clientId)
    {
        bool deny = rule.Effect == RuleEffect.Deny;
        var expanded = new List<string[]>(rule.Topics.Count);
        foreach (TopicPattern topic in rule.Topics)
        {
            string[]? levels = Expand(topic, principal, clientId, deny);
            if (levels is null)
            {
                // An allow rule with an unusable placeholder value grants nothing, not even its other topics.
                return;
            }

            // Patterns starting with '$' (only possible through a placeholder value) can match no topic that
            // reaches the rules: '$' topics are decided by the admins role alone.
            if (levels[0].StartsWith('$'))
            {
                continue;
            }

            expanded.Add(levels);
        }

        foreach (TopicAction action in rule.Actions)
        {
            List<CompiledPattern> bucket = (action, deny) switch
            {
                (TopicAction.Publish, false) => buckets.AllowPublish,
                (TopicAction.Publish, true) => buckets.DenyPublish,
                (TopicAction.Retain, false) => buckets.AllowRetain,
                (TopicAction.Retain, true) => buckets.DenyRetain,
                (_, false) => buckets.AllowSubscribe,
                (_, true) => buckets.DenySubscribe,
            };
            foreach (string[] levels in expanded)
            {
                bucket.Add(new CompiledPattern(levels, rule.Identity));
            }
        }
    }

    private static string[]? Expand(TopicPattern topic, Principal principal, string clientId, bool deny)
    {
        var levels = new string[topic.Levels.Length];
        for (int i = 0; i < levels.Length; i++)
        {
            PatternLevel level = topic.Levels[i];
            if (level.Kind != PatternLevelKind.Template)
            {
                levels[i] = level.Literal;
                continue;
            }

            var text = new StringBuilder();
            bool usable = true;
            foreach (TemplatePart part in level.Parts)
            {
                if (part.Literal is not null)
                {
                    text.Append(part.Literal);
                    continue;
                }

                string? value = part.Placeholder switch
                {
                    PlaceholderKind.ClientId => clientId,
                    PlaceholderKind.Username => principal.Name,
                    _ => principal.Attributes.TryGetValue(part.AttributeName!, out string? attribute) ? attribute : null,
                };
                if (!IsUsableValue(value))
                {
                    usable = false;
                    break;
                }

                text.Append(value);
            }

            if (!usable)
            {
                if (!deny)
                {
                    return null;
                }

                levels[i] = "+";
                continue;
            }

            levels[i] = text.ToString();
        }

        return levels;
    }

    /// <summary>A placeholder value must be a plain, non-empty level: no wildcard, separator or U+0000.</summary>
    internal static bool IsUsableValue(string? value) =>
        !string.IsNullOrEmpty(value) && value.AsSpan().IndexOfAny("+#/\0") < 0;

    private sealed record CompiledPattern(string[] Levels, string Rule);

    private sealed class Buckets
    {
        public List<CompiledPattern> AllowPublish { get; } = [];

        public List<CompiledPattern> DenyPublish { get; } = [];

        public List<CompiledPattern> AllowRetain { get; } = [];

        public List<CompiledPattern> DenyRetain { get; } = [];

        public List<CompiledPattern> AllowSubscribe { get; } = [];

        public List<CompiledPattern> DenySubscribe { get; } = [];
    }
}
