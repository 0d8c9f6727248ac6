namespace MqttHealth.Broker.Tests.Security.Authorization;

/// <summary>
/// A deliberately naive authorizer that shares no code with the engine: it works on its own description of a
/// random policy (whole-level placeholders only), matches topics by splitting strings, and decides subscribe
/// by enumerating every topic up to <see cref="MaxDepth"/> levels over the tiny alphabet plus a fresh symbol
/// "z" that stands for "any other level value". A filter is allowed if some allow pattern matches every
/// enumerated topic the filter matches, and no enumerated topic matches both the filter and a deny pattern.
/// </summary>
public sealed class ReferenceAuthorizer
{
    /// <summary>Patterns and filters have at most 3 levels; enumeration goes two deeper.</summary>
    public const int MaxDepth = 5;

    /// <summary>Level values used in patterns, placeholder values and topics, "$a" for '$' topics, "z" never in a pattern.</summary>
    public static readonly string[] Alphabet = ["a", "b", "c", "$a", "z"];

    private static readonly List<string[]> AllTopics = Enumerate();
    private readonly Dictionary<string, ulong[]> _sets = new(StringComparer.Ordinal);

    public sealed record Rule(string Role, int Index, bool Deny, HashSet<string> Actions, List<string> Topics)
    {
        public string Identity => $"role {Role}, rule {Index}";
    }

    public sealed record Subject(HashSet<string> Roles, string Name, string ClientId, Dictionary<string, string> Attributes);

    public (bool Allowed, HashSet<string> Rules) Decide(List<Rule> rules, string admins, Subject subject, string action, string topicOrFilter)
    {
        bool subscribe = action == "subscribe";
        string? target = subscribe ? InnerFilter(topicOrFilter) : (IsTopicName(topicOrFilter) ? topicOrFilter : null);
        if (target is null)
        {
            return (false, ["invalid topic name or filter"]);
        }

        if (target.StartsWith('$'))
        {
            return subject.Roles.Contains(admins) ? (true, ["$-topic: admins role"]) : (false, ["$-topic: admins only"]);
        }

        // (rule, expanded pattern) for the rules of the subject's roles; null pattern list = rule does not apply.
        var expanded = new List<(Rule Rule, List<string> Patterns)>();
        foreach (Rule rule in rules.Where(r => subject.Roles.Contains(r.Role)))
        {
            var patterns = new List<string>();
            bool applies = true;
            foreach (string topic in rule.Topics)
            {
                var levels = new List<string>();
                foreach (string level in topic.Split('/'))
                {
                    string? value = level switch
                    {
                        "{clientid}" => subject.ClientId,
                        "{username}" => subject.Name,
                        "{attr:unit}" => subject.Attributes.GetValueOrDefault("unit"),
                        "{attr:dev}" => subject.Attributes.GetValueOrDefault("dev"),
                        _ => level,
                    };
                    bool bad = level.StartsWith('{') && (value is null || value.Length == 0 || value.Contains('+') || value.Contains('#') || value.Contains('/') || value.Contains('\0'));
                    if (bad && !rule.Deny)
                    {
                        applies = false;
                    }

                    levels.Add(bad ? "+" : value!);
                }

                patterns.Add(string.Join("/", levels));
            }

            if (applies)
            {
                expanded.Add((rule, patterns));
            }
        }

        if (subscribe)
        {
            ulong[] filterSet = Set(target);
            var denies = expanded.Where(e => e.Rule.Deny && e.Rule.Actions.Contains("subscribe") && e.Patterns.Any(p => Intersects(filterSet, Set(p))))
                .Select(e => e.Rule.Identity).ToHashSet();
            if (denies.Count > 0)
            {
                return (false, denies);
            }

            var allows = expanded.Where(e => !e.Rule.Deny && e.Rule.Actions.Contains("subscribe") && e.Patterns.Any(p => IsSubset(filterSet, Set(p))))
                .Select(e => e.Rule.Identity).ToHashSet();
            return allows.Count > 0 ? (true, allows) : (false, ["default deny"]);
        }

        string[] topicLevels = target.Split('/');
        HashSet<string> Matching(bool deny, string act) =>
            expanded.Where(e => e.Rule.Deny == deny && e.Rule.Actions.Contains(act) && e.Patterns.Any(p => Match(p.Split('/'), topicLevels)))
                .Select(e => e.Rule.Identity).ToHashSet();

        HashSet<string> denied = Matching(true, "publish");
        if (action == "retain")
        {
            denied.UnionWith(Matching(true, "retain"));
        }

        if (denied.Count > 0)
        {
            return (false, denied);
        }

        HashSet<string> allowedPublish = Matching(false, "publish");
        if (allowedPublish.Count == 0)
        {
            return (false, ["default deny"]);
        }

        if (action == "publish")
        {
            return (true, allowedPublish);
        }

        HashSet<string> allowedRetain = Matching(false, "retain");
        return allowedRetain.Count > 0 ? (true, allowedRetain) : (false, ["default deny"]);
    }

    /// <summary>MQTT matching, written out directly: '#' also matches the parent level; wildcards at the root skip '$' topics.</summary>
    public static bool Match(string[] filter, string[] topic)
    {
        if (topic[0].StartsWith('$') && (filter[0] == "+" || filter[0] == "#"))
        {
            return false;
        }

        for (int i = 0; i < filter.Length; i++)
        {
            if (filter[i] == "#")
            {
                return true;
            }

            if (i >= topic.Length || (filter[i] != "+" && filter[i] != topic[i]))
            {
                return false;
            }
        }

        return filter.Length == topic.Length;
    }

    private static bool IsTopicName(string topic) =>
        topic.Length > 0 && !topic.Contains('+') && !topic.Contains('#') && !topic.Contains('\0');

    /// <summary>The filter to decide on (the inner one of "$share/name/filter"), or null when not valid.</summary>
    private static string? InnerFilter(string filter)
    {
        if (filter.Contains('\0'))
        {
            return null;
        }

        if (filter.StartsWith("$share/", StringComparison.Ordinal))
        {
            string rest = filter[7..];
            int slash = rest.IndexOf('/');
            if (slash <= 0 || slash == rest.Length - 1 || rest[..slash].Contains('+') || rest[..slash].Contains('#'))
            {
                return null;
            }

            filter = rest[(slash + 1)..];
        }

        if (filter.Length == 0)
        {
            return null;
        }

        string[] levels = filter.Split('/');
        for (int i = 0; i < levels.Length; i++)
        {
            if ((levels[i].Contains('#') && (levels[i] != "#" || i != levels.Length - 1)) || (levels[i].Contains('+') && levels[i] != "+"))
            {
                return null;
            }
        }

        return filter;
    }

    private ulong[] Set(string filter)
    {
        if (!_sets.TryGetValue(filter, out ulong[]? set))
        {
            string[] levels = filter.Split('/');
            set = new ulong[(AllTopics.Count + 63) / 64];
            for (int i = 0; i < AllTopics.Count; i++)
            {
                if (Match(levels, AllTopics[i]))
                {
                    set[i / 64] |= 1UL << (i % 64);
                }
            }

            _sets.Add(filter, set);
        }

        return set;
    }

    private static bool Intersects(ulong[] a, ulong[] b) => a.Zip(b).Any(p => (p.First & p.Second) != 0);

    private static bool IsSubset(ulong[] a, ulong[] b) => a.Zip(b).All(p => (p.First & ~p.Second) == 0);

    private static List<string[]> Enumerate()
    {
        var all = new List<string[]>();
        var current = new List<string[]> { Array.Empty<string>() };
        for (int depth = 1; depth <= MaxDepth; depth++)
        {
            current = current.SelectMany(prefix => Alphabet.Select(level => (string[])[.. prefix, level])).ToList();
            all.AddRange(current);
        }

        return all;
    }
}
