using System.Text.Json;
using MqttHealth.Broker.Security;
using MqttHealth.Broker.Security.Authorization;

namespace MqttHealth.Broker.Tests.Security.Authorization;

/// <summary>
/// Property-based differential test (issue 5, item 6): random small policies, principals and operations,
/// decided by the engine and by <see cref="ReferenceAuthorizer"/>, which shares no code with it. Seeded: a
/// failure message names the seed and the case, and the test is rerun with that seed.
/// </summary>
public class AuthorizationReferenceTests
{
    private static readonly string[] Values = ["a", "b", "c"];
    private static readonly string?[] PlaceholderValues = ["a", "b", "c", "a", "b", "c", "$a", "", "+", "#", "a/b", "a\0", null];
    private static readonly string[] Placeholders = ["{clientid}", "{username}", "{attr:unit}", "{attr:dev}"];
    private static readonly string[] RoleNames = ["r0", "r1", "r2", "admin"];
    private static readonly string[] Actions = ["publish", "subscribe", "retain"];
    private static readonly string[] OddFilters = ["a/#/b", "a+", "+a/b", "", "$share/g", "$share//a", "$share/g+/a", "$share/g/", "a/\0", "#/a"];
    private static readonly string[] OddTopics = ["", "a/+", "#", "a/\0", "$SYS/broker/load", "$share/g/a"];

    [Theory]
    [InlineData(20261121)]
    [InlineData(7)]
    public void Authorize_RandomCases_AgreesWithReference(int seed)
    {
        var random = new Random(seed);
        var reference = new ReferenceAuthorizer();
        int cases = 0;
        int allowed = 0;
        int deniedByRule = 0;
        for (int p = 0; p < 500; p++)
        {
            List<ReferenceAuthorizer.Rule> rules = RandomRules(random);
            AuthorizationPolicy policy = AuthorizationPolicy.Parse(ToJson(rules), $"seed {seed} policy {p}");
            for (int s = 0; s < 8; s++)
            {
                ReferenceAuthorizer.Subject subject = RandomSubject(random);
                var principal = new Principal(subject.Name, PrincipalKind.Password, [.. subject.Roles], subject.Attributes);
                CompiledPolicy compiled = policy.Compile(principal, subject.ClientId);
                for (int c = 0; c < 25; c++)
                {
                    string action = Actions[random.Next(Actions.Length)];
                    string target = action == "subscribe" ? RandomFilter(random) : RandomTopic(random);
                    (bool expected, HashSet<string> expectedRules) = reference.Decide(rules, "admin", subject, action, target);
                    AuthorizationDecision actual = compiled.Authorize(Enum.Parse<TopicAction>(action, ignoreCase: true), target);
                    if (actual.Allowed != expected || !expectedRules.Contains(actual.Rule))
                    {
                        Assert.Fail(
                            $"seed {seed}, policy {p}, subject {s}, case {c}: {action} \"{Show(target)}\": engine {actual}, reference " +
                            $"{(expected ? "allowed" : "denied")} by one of [{string.Join("; ", expectedRules)}]\n" +
                            $"principal name=\"{Show(subject.Name)}\" clientid=\"{Show(subject.ClientId)}\" roles=[{string.Join(",", subject.Roles)}] " +
                            $"attrs={{{string.Join(",", subject.Attributes.Select(kv => kv.Key + "=" + Show(kv.Value)))}}}\n" +
                            $"policy: {ToJson(rules)}\ncompiled:\n{string.Join("\n", compiled.Describe())}");
                    }

                    if (action != "subscribe" && target.Length > 0 && target.IndexOfAny(['+', '#', '\0']) < 0 && !target.StartsWith("$share/", StringComparison.Ordinal))
                    {
                        // The check at delivery: receiving on a Topic Name is subscribing to exactly that topic. (A Topic
                        // Name "$share/g/a" is a '$' topic; only as a filter is it a shared subscription, so it is left out.)
                        (bool receive, HashSet<string> receiveRules) = reference.Decide(rules, "admin", subject, "subscribe", target);
                        AuthorizationDecision receiveActual = compiled.AuthorizeReceive(target);
                        Assert.True(
                            receiveActual.Allowed == receive && receiveRules.Contains(receiveActual.Rule),
                            $"seed {seed}, policy {p}, subject {s}, case {c}: receive \"{Show(target)}\": engine {receiveActual}, reference {(receive ? "allowed" : "denied")} by one of [{string.Join("; ", receiveRules)}]\npolicy: {ToJson(rules)}");
                    }

                    cases++;
                    allowed += expected ? 1 : 0;
                    deniedByRule += !expected && expectedRules.Any(r => r.StartsWith("role ", StringComparison.Ordinal)) ? 1 : 0;
                }
            }
        }

        Assert.Equal(100_000, cases);

        // Not vacuous: both outcomes, and denials by deny rules rather than only by default, occur often.
        Assert.True(allowed > cases / 20, $"seed {seed}: only {allowed} of {cases} allowed");
        Assert.True(deniedByRule > cases / 100, $"seed {seed}: only {deniedByRule} of {cases} denied by a deny rule");
    }

    private static List<ReferenceAuthorizer.Rule> RandomRules(Random random)
    {
        var rules = new List<ReferenceAuthorizer.Rule>();
        foreach (string role in RoleNames)
        {
            int count = random.Next(5);
            for (int i = 0; i < count; i++)
            {
                var actions = Actions.Where(_ => random.Next(2) == 0).ToHashSet();
                if (actions.Count == 0)
                {
                    actions.Add(Actions[random.Next(Actions.Length)]);
                }

                var topics = Enumerable.Range(0, 1 + random.Next(2)).Select(_ => RandomPattern(random)).ToList();
                rules.Add(new ReferenceAuthorizer.Rule(role, i, random.Next(4) == 0, actions, topics));
            }
        }

        return rules;
    }

    private static string RandomPattern(Random random)
    {
        int depth = 1 + random.Next(3);
        var levels = new List<string>();
        for (int i = 0; i < depth; i++)
        {
            int roll = random.Next(20);
            levels.Add(i == depth - 1 && roll < 3 ? "#" : roll < 6 ? "+" : roll < 10 ? Placeholders[random.Next(Placeholders.Length)] : Values[random.Next(Values.Length)]);
        }

        return string.Join("/", levels);
    }

    private static ReferenceAuthorizer.Subject RandomSubject(Random random)
    {
        var roles = RoleNames.Append("ghost").Where(_ => random.Next(3) == 0).ToHashSet();
        var attributes = new Dictionary<string, string>();
        foreach (string name in new[] { "unit", "dev" })
        {
            string? value = PlaceholderValues[random.Next(PlaceholderValues.Length)];
            if (value is not null)
            {
                attributes[name] = value;
            }
        }

        return new ReferenceAuthorizer.Subject(
            roles,
            PlaceholderValues[random.Next(PlaceholderValues.Length)] ?? string.Empty,
            PlaceholderValues[random.Next(PlaceholderValues.Length)] ?? string.Empty,
            attributes);
    }

    private static string RandomTopic(Random random)
    {
        if (random.Next(20) == 0)
        {
            return OddTopics[random.Next(OddTopics.Length)];
        }

        int depth = 1 + random.Next(ReferenceAuthorizer.MaxDepth);
        return string.Join("/", Enumerable.Range(0, depth).Select(_ => ReferenceAuthorizer.Alphabet[random.Next(ReferenceAuthorizer.Alphabet.Length)]));
    }

    private static string RandomFilter(Random random)
    {
        if (random.Next(25) == 0)
        {
            return OddFilters[random.Next(OddFilters.Length)];
        }

        int depth = 1 + random.Next(3);
        var levels = new List<string>();
        for (int i = 0; i < depth; i++)
        {
            int roll = random.Next(20);
            levels.Add(i == depth - 1 && roll < 4 ? "#" : roll < 8 ? "+" : roll < 9 ? "$a" : roll < 10 ? "z" : Values[random.Next(Values.Length)]);
        }

        string filter = string.Join("/", levels);
        return random.Next(8) == 0 ? "$share/g/" + filter : filter;
    }

    private static string ToJson(List<ReferenceAuthorizer.Rule> rules)
    {
        var roles = RoleNames.ToDictionary(
            role => role,
            role => new
            {
                rules = rules.Where(r => r.Role == role).OrderBy(r => r.Index).Select(r => new
                {
                    effect = r.Deny ? "deny" : "allow",
                    actions = r.Actions.ToArray(),
                    topics = r.Topics.ToArray(),
                }).ToArray(),
            });
        return JsonSerializer.Serialize(new { admins = "admin", roles });
    }

    private static string Show(string text) => text.Replace("\0", "\\0", StringComparison.Ordinal);
}
