using MqttHealth.Broker.Security.Authorization;

namespace MqttHealth.Broker.Tests.Security.Authorization;

/// <summary>A bad policy file is refused with the JSON path and the problem, so the operator can fix it.</summary>
public class PolicyParserTests
{
    [Fact]
    public void Parse_HospitalPolicy_ReadsRolesRulesAndPatterns()
    {
        AuthorizationPolicy policy = AuthorizationPolicy.Parse(Policies.Hospital, "hospital.json");
        Assert.Equal("admin", policy.Admins);
        Assert.Equal(["admin", "device", "nurse"], policy.Roles.Keys.Order(StringComparer.Ordinal));
        PolicyRule rule = policy.Roles["nurse"].Rules[1];
        Assert.Equal(RuleEffect.Deny, rule.Effect);
        Assert.Equal([TopicAction.Subscribe], rule.Actions);
        Assert.Equal("mh/v1/+/+/+/cmd", rule.Topics[0].Text);
        Assert.Equal("role nurse, rule 1", rule.Identity);
    }

    [Fact]
    public void Parse_NoAdmins_DefaultsToAdmin() =>
        Assert.Equal("admin", AuthorizationPolicy.Parse("""{ "roles": {} }""").Admins);

    public static TheoryData<string, string, string> BadPolicies => new()
    {
        { """{ "roles": { "nurse": { "rules": [ { "effect": "allow", "actions": ["subscribe", "pub"], "topics": ["a"] } ] } } }""", "$.roles.nurse.rules[0].actions[1]", "unknown action \"pub\"" },
        { """{ "roles": { "nurse": { "rules": [ {}, { "effect": "allow", "actions": ["publish"], "topics": ["a/#/b"] } ] } } }""", "$.roles.nurse.rules[0]", "\"effect\" is missing" },
        { """{ "roles": { "nurse": { "rules": [ { "effect": "allow", "actions": ["publish"], "topics": ["a", "a/#/b"] } ] } } }""", "$.roles.nurse.rules[0].topics[1]", "'#' must be the last level" },
        { """{ "roles": { "r": { "rules": [ { "effect": "allow", "actions": ["publish"], "topics": ["a/b+"] } ] } } }""", "$.roles.r.rules[0].topics[0]", "must fill a whole level" },
        { """{ "roles": { "r": { "rules": [ { "effect": "allow", "actions": ["publish"], "topics": ["a/{user}"] } ] } } }""", "$.roles.r.rules[0].topics[0]", "unknown placeholder \"{user}\"" },
        { """{ "roles": { "r": { "rules": [ { "effect": "allow", "actions": ["publish"], "topics": ["a/{attr:}"] } ] } } }""", "$.roles.r.rules[0].topics[0]", "bad placeholder" },
        { """{ "roles": { "r": { "rules": [ { "effect": "allow", "actions": ["publish"], "topics": ["a/{clientid"] } ] } } }""", "$.roles.r.rules[0].topics[0]", "'{' without '}'" },
        { """{ "roles": { "r": { "rules": [ { "effect": "allow", "actions": ["publish"], "topics": ["a/b}"] } ] } } }""", "$.roles.r.rules[0].topics[0]", "'}' without '{'" },
        { """{ "roles": { "r": { "rules": [ { "effect": "allow", "actions": ["publish"], "topics": ["$SYS/#"] } ] } } }""", "$.roles.r.rules[0].topics[0]", "admins role only" },
        { """{ "roles": { "r": { "rules": [ { "effect": "allow", "actions": ["publish"], "topics": [""] } ] } } }""", "$.roles.r.rules[0].topics[0]", "must not be empty" },
        { """{ "roles": { "r": { "rules": [ { "effect": "permit", "actions": ["publish"], "topics": ["a"] } ] } } }""", "$.roles.r.rules[0].effect", "unknown effect \"permit\"" },
        { """{ "roles": { "r": { "rules": [ { "effect": "allow", "actions": [], "topics": ["a"] } ] } } }""", "$.roles.r.rules[0].actions", "non-empty array" },
        { """{ "roles": { "r": { "rules": [ { "effect": "allow", "actions": ["publish"], "topic": ["a"] } ] } } }""", "$.roles.r.rules[0].topic", "unknown property \"topic\"" },
        { """{ "roles": { "r": { "rules": [ { "effect": "allow", "actions": ["publish"], "topics": "a" } ] } } }""", "$.roles.r.rules[0].topics", "non-empty array" },
        { """{ "roles": { "r": { "rules": [ { "effect": "allow", "actions": ["publish"], "topics": [1] } ] } } }""", "$.roles.r.rules[0].topics[0]", "expected a string" },
        { """{ "roles": { "r": { "rules": [] }, "r": { "rules": [] } } }""", "$.roles.r", "defined twice" },
        { """{ "roles": { "r": { "rule": [] } } }""", "$.roles.r.rule", "unknown property \"rule\"" },
        { """{ "admins": "", "roles": {} }""", "$.admins", "must not be empty" },
        { """{ "admin": "x", "roles": {} }""", "$.admin", "unknown property \"admin\"" },
        { """{ "admins": "x" }""", "$", "\"roles\" is missing" },
        { """[]""", "$", "must be a JSON object" },
        { """{ "roles": { "r": { "rules": [ { "effect": "allow" """, "$", "not valid JSON" },
    };

    [Theory]
    [MemberData(nameof(BadPolicies))]
    public void Parse_BadPolicy_ThrowsWithPathAndProblem(string json, string path, string problem)
    {
        PolicyException error = Assert.Throws<PolicyException>(() => AuthorizationPolicy.Parse(json, "policy.json"));
        Assert.StartsWith("policy.json: at ", error.Message, StringComparison.Ordinal);
        Assert.Contains(problem, error.Message, StringComparison.Ordinal);
        if (path != "$")
        {
            Assert.Equal(path, error.JsonPath);
        }
    }

    [Fact]
    public void Load_MissingFile_ThrowsPolicyException()
    {
        string path = Path.Combine(Path.GetTempPath(), "mh-authz-" + Guid.NewGuid().ToString("N"), "policy.json");
        PolicyException error = Assert.Throws<PolicyException>(() => AuthorizationPolicy.Load(path));
        Assert.Contains("cannot be read", error.Message, StringComparison.Ordinal);
    }
}
