using MqttHealth.Broker.Security;
using MqttHealth.Broker.Security.Authorization;

namespace MqttHealth.Broker.Tests.Security.Authorization;

/// <summary>Attempts to get more than a policy grants: wildcard escalation, '$share' and '$SYS', placeholder injection.</summary>
public class AdversarialAuthorizationTests
{
    private static readonly AuthorizationPolicy Policy = AuthorizationPolicy.Parse(Policies.Hospital, "hospital");

    private static AuthorizationDecision Decide(Principal principal, TopicAction action, string topic, string clientId = "c1") =>
        Policy.Authorize(principal, clientId, action, topic);

    [Theory]
    [InlineData("mh/v1/f1/u1/dev42/#")]
    [InlineData("mh/v1/f1/u1/dev42/cmd")]
    [InlineData("mh/v1/f1/u1/dev42/+")]
    [InlineData("mh/v1/f1/u1/dev42")] // matched by ".../dev42/#" too
    [InlineData("$share/g/mh/v1/f1/u1/dev42/#")]
    public void Subscribe_DeviceWithinItsOwnSubtree_IsAllowed(string filter) =>
        Assert.True(Decide(Policies.Device(), TopicAction.Subscribe, filter).Allowed);

    [Theory]
    [InlineData("mh/#")]
    [InlineData("mh/v1/+/u1/dev42/#")]
    [InlineData("mh/v1/f1/+/dev42/cmd")]
    [InlineData("mh/v1/f1/u1/+/cmd")]
    [InlineData("#")]
    [InlineData("+/v1/f1/u1/dev42/cmd")]
    [InlineData("+/#")]
    [InlineData("mh/v1/f1/u1/dev4")]
    [InlineData("mh/v1/f1/u1/dev42x/#")] // a string prefix is not a topic prefix
    [InlineData("$share/g/mh/#")]
    [InlineData("$share/g/#")]
    [InlineData("$share/mh/v1/f1/u1/dev42/#")] // "mh" is the share name here, the inner filter is "v1/f1/..."
    public void Subscribe_DeviceWideningItsFilter_IsDenied(string filter) =>
        Assert.False(Decide(Policies.Device(), TopicAction.Subscribe, filter).Allowed, filter);

    [Theory]
    [InlineData("mh/v1/f1/u1/dev42/vitals", true)]
    [InlineData("mh/v1/f1/u1/dev42/alarms", true)]
    [InlineData("mh/v1/f1/u1/dev43/vitals", false)]
    [InlineData("mh/v1/f1/u1/dev42/vitals/extra", false)]
    [InlineData("mh/v1/f1/u1/dev42", false)]
    [InlineData("mh/v1/f1/u2/dev42/vitals", false)]
    public void Publish_Device_OnlyItsOwnLevels(string topic, bool allowed) =>
        Assert.Equal(allowed, Decide(Policies.Device(), TopicAction.Publish, topic).Allowed);

    [Fact]
    public void Retain_NeedsARetainGrantBesidesPublish()
    {
        Assert.True(Decide(Policies.Device(), TopicAction.Retain, "mh/v1/f1/u1/dev42/status").Allowed);
        Assert.False(Decide(Policies.Device(), TopicAction.Retain, "mh/v1/f1/u1/dev42/vitals").Allowed);
        Assert.True(Decide(Policies.Device(), TopicAction.Publish, "mh/v1/f1/u1/dev42/vitals").Allowed);
    }

    [Theory]
    [InlineData(TopicAction.Subscribe, "$SYS/#")]
    [InlineData(TopicAction.Subscribe, "$SYS/broker/clients/connected")]
    [InlineData(TopicAction.Subscribe, "$share/g/$SYS/#")]
    [InlineData(TopicAction.Publish, "$SYS/broker/load")]
    [InlineData(TopicAction.Retain, "$anything")]
    public void DollarTopics_NonAdmin_DeniedEvenWithAllowAll(TopicAction action, string topic)
    {
        // "root" has every non-'$' topic through a rule, yet '$' topics stay admin-only.
        AuthorizationPolicy policy = AuthorizationPolicy.Parse("""
            { "roles": { "root": { "rules": [ { "effect": "allow", "actions": ["publish", "subscribe", "retain"], "topics": ["#"] } ] } } }
            """);
        AuthorizationDecision decision = policy.Authorize(Policies.WithRoles("eve", "root"), "c", action, topic);
        Assert.False(decision.Allowed);
        Assert.Equal(AuthorizationDecision.DollarTopicAdminOnlyRule, decision.Rule);
        Assert.True(policy.Authorize(Policies.WithRoles("eve", "root"), "c", TopicAction.Subscribe, "#").Allowed);
    }

    [Theory]
    [InlineData(TopicAction.Subscribe, "$SYS/#")]
    [InlineData(TopicAction.Subscribe, "$share/ops/$SYS/broker/#")]
    [InlineData(TopicAction.Publish, "$SYS/broker/maintenance")]
    public void DollarTopics_Admin_Allowed(TopicAction action, string topic) =>
        Assert.True(Decide(Policies.WithRoles("root", "admin"), action, topic).Allowed);

    [Fact]
    public void Subscribe_AdminHash_DoesNotCoverDollarTopicsButAdminRoleDoes()
    {
        // '#' in a rule never reaches '$' topics (MQTT-4.7.2-1); the admins role is what grants them.
        AuthorizationPolicy policy = AuthorizationPolicy.Parse("""
            { "admins": "ops", "roles": { "root": { "rules": [ { "effect": "allow", "actions": ["subscribe"], "topics": ["#"] } ] } } }
            """);
        Assert.False(policy.Authorize(Policies.WithRoles("x", "root", "admin"), "c", TopicAction.Subscribe, "$SYS/#").Allowed);
        Assert.True(policy.Authorize(Policies.WithRoles("x", "ops"), "c", TopicAction.Subscribe, "$SYS/#").Allowed);
    }

    [Theory]
    [InlineData("+")]
    [InlineData("#")]
    [InlineData("a/b")]
    [InlineData("")]
    [InlineData("a\0b")]
    public void Placeholder_InjectedWildcardOrSeparator_GrantsNothing(string username)
    {
        Principal nurse = Policies.Nurse(username);
        foreach (string topic in new[] { "users/+/notes", "users/alice/notes", "users/a/b/notes", "users//notes", "users/#" })
        {
            Assert.False(Decide(nurse, TopicAction.Publish, topic).Allowed, topic);
        }

        // The other topic of the same rule is not granted either: the whole rule is out.
        Assert.False(Decide(nurse, TopicAction.Publish, "clients/c1/ping").Allowed);
        Assert.True(Decide(Policies.Nurse("alice"), TopicAction.Publish, "clients/c1/ping").Allowed);
    }

    [Fact]
    public void Placeholder_InjectedClientId_GrantsNothing()
    {
        Assert.False(Decide(Policies.Nurse(), TopicAction.Publish, "clients/x/ping", clientId: "+").Allowed);
        Assert.False(Decide(Policies.Nurse(), TopicAction.Publish, "users/alice/notes", clientId: "#").Allowed);
        Assert.True(Decide(Policies.Nurse(), TopicAction.Publish, "users/alice/notes", clientId: "c1").Allowed);
    }

    [Fact]
    public void Placeholder_MissingOrBadAttribute_DeviceGetsNothing()
    {
        var noDevice = new Principal("d", PrincipalKind.Certificate, ["device"], new Dictionary<string, string> { ["facility"] = "f1", ["unit"] = "u1" });
        Assert.False(Decide(noDevice, TopicAction.Publish, "mh/v1/f1/u1/+/vitals").Allowed);
        Assert.False(Decide(noDevice, TopicAction.Subscribe, "mh/v1/f1/u1/#").Allowed);
        Assert.False(Decide(Policies.Device(device: "#"), TopicAction.Subscribe, "mh/v1/f1/u1/#").Allowed);
        Assert.False(Decide(Policies.Device(unit: "u1/dev42"), TopicAction.Publish, "mh/v1/f1/u1/dev42/x/vitals").Allowed);
    }

    [Fact]
    public void Placeholder_InsideALevel_ExpandsInPlace()
    {
        Assert.False(Decide(Policies.Nurse(), TopicAction.Publish, "dev--x/out").Allowed); // no device attribute
        var nurse = new Principal("n", PrincipalKind.Password, ["nurse"], new Dictionary<string, string> { ["device"] = "d7" });
        Assert.True(Decide(nurse, TopicAction.Publish, "dev-d7-x/out").Allowed);
        Assert.False(Decide(nurse, TopicAction.Publish, "dev-d8-x/out").Allowed);
    }

    [Fact]
    public void Placeholder_BadValueInDenyRule_DeniesForEveryValue()
    {
        AuthorizationPolicy policy = AuthorizationPolicy.Parse("""
            { "roles": { "r": { "rules": [
              { "effect": "allow", "actions": ["publish", "subscribe"], "topics": ["ward/#"] },
              { "effect": "deny", "actions": ["publish", "subscribe"], "topics": ["ward/{attr:unit}/private"] }
            ] } } }
            """);
        var unitless = new Principal("p", PrincipalKind.Password, ["r"], new Dictionary<string, string>());
        AuthorizationDecision decision = policy.Authorize(unitless, "c", TopicAction.Publish, "ward/u9/private");
        Assert.False(decision.Allowed);
        Assert.Equal("role r, rule 1", decision.Rule);
        Assert.False(policy.Authorize(unitless, "c", TopicAction.Subscribe, "ward/#").Allowed);
        Assert.True(policy.Authorize(unitless, "c", TopicAction.Publish, "ward/u9/public").Allowed);
    }

    [Fact]
    public void Deny_BeatsAllow_WhateverTheOrderAndRole()
    {
        Principal nurse = Policies.Nurse();
        AuthorizationDecision decision = Decide(nurse, TopicAction.Subscribe, "mh/v1/f1/u1/#");
        Assert.False(decision.Allowed); // overlaps "mh/v1/+/+/+/cmd"
        Assert.Equal("role nurse, rule 1", decision.Rule);
        Assert.True(Decide(nurse, TopicAction.Subscribe, "mh/v1/f1/u1/+/vitals").Allowed);
        Assert.False(Decide(nurse, TopicAction.Subscribe, "mh/v1/f1/u1/dev42/cmd").Allowed);

        // An allow-all from another role does not lift the nurse role's deny.
        var both = new Principal("n", PrincipalKind.Password, ["admin", "nurse"], new Dictionary<string, string>());
        Assert.False(Decide(both, TopicAction.Subscribe, "mh/v1/f9/u9/d9/cmd").Allowed);
        Assert.True(Decide(both, TopicAction.Subscribe, "mh/v1/f9/u9/d9/vitals").Allowed);
    }

    [Fact]
    public void Subscribe_CoveredOnlyByTwoAllowPatternsTogether_IsDenied()
    {
        // "a/#" matches exactly the topics of "a" and "a/+/#" together, but no single pattern covers it: the
        // conservative rule refuses it (docs/authorization.md says why).
        AuthorizationPolicy policy = AuthorizationPolicy.Parse("""
            { "roles": { "r": { "rules": [
              { "effect": "allow", "actions": ["subscribe"], "topics": ["a", "a/+/#"] }
            ] } } }
            """);
        Principal p = Policies.WithRoles("p", "r");
        Assert.True(policy.Authorize(p, "c", TopicAction.Subscribe, "a").Allowed);
        Assert.True(policy.Authorize(p, "c", TopicAction.Subscribe, "a/+/#").Allowed);
        Assert.False(policy.Authorize(p, "c", TopicAction.Subscribe, "a/#").Allowed); // = "a" ∪ "a/+/#", refused
    }

    [Theory]
    [InlineData("+/#", "#", true)] // a topic has at least one level: both match every non-'$' topic
    [InlineData("+/+/#", "#", false)] // "#" also matches "a"
    [InlineData("a/+/#", "a/#", false)] // "a/#" also matches "a"
    [InlineData("a/#", "a", true)]
    [InlineData("a/#", "a/+/+", true)]
    [InlineData("a/+", "a/#", false)]
    [InlineData("a/+", "a/+/#", false)]
    [InlineData("a/+/c", "a/+/+", false)]
    [InlineData("a//c", "a//c", true)] // empty levels are ordinary literals
    [InlineData("a/+/c", "a//c", true)]
    public void Subscribe_Containment_LevelByLevel(string pattern, string filter, bool allowed)
    {
        AuthorizationPolicy policy = AuthorizationPolicy.Parse(
            $$"""{ "roles": { "r": { "rules": [ { "effect": "allow", "actions": ["subscribe"], "topics": ["{{pattern}}"] } ] } } }""");
        Assert.Equal(allowed, policy.Authorize(Policies.WithRoles("p", "r"), "c", TopicAction.Subscribe, filter).Allowed);
    }

    [Fact]
    public void DefaultDeny_NoRolesOrUnknownRoles()
    {
        foreach (Principal principal in new[] { Principal.Anonymous, Policies.WithRoles("x"), Policies.WithRoles("x", "ghost") })
        {
            foreach (TopicAction action in Enum.GetValues<TopicAction>())
            {
                AuthorizationDecision decision = Decide(principal, action, action == TopicAction.Subscribe ? "#" : "mh/v1/f1/u1/d1/vitals");
                Assert.False(decision.Allowed);
                Assert.Equal(AuthorizationDecision.DefaultDenyRule, decision.Rule);
            }
        }
    }

    [Theory]
    [InlineData(TopicAction.Publish, "")]
    [InlineData(TopicAction.Publish, "mh/+/x")]
    [InlineData(TopicAction.Publish, "mh/\0/x")]
    [InlineData(TopicAction.Subscribe, "")]
    [InlineData(TopicAction.Subscribe, "mh/#/x")]
    [InlineData(TopicAction.Subscribe, "mh/x+")]
    [InlineData(TopicAction.Subscribe, "$share/g")]
    [InlineData(TopicAction.Subscribe, "mh/\0")]
    public void InvalidTopic_DeniedEvenForAllowAll(TopicAction action, string topic)
    {
        AuthorizationDecision decision = Decide(Policies.WithRoles("root", "admin"), action, topic);
        Assert.False(decision.Allowed);
        Assert.Equal(AuthorizationDecision.InvalidTopicRule, decision.Rule);
    }

    [Fact]
    public void Decision_NamesTheRule()
    {
        AuthorizationDecision decision = Decide(Policies.Device(), TopicAction.Subscribe, "mh/v1/f1/u1/dev42/cmd");
        Assert.Equal(new AuthorizationDecision(true, "role device, rule 1"), decision);
        Assert.Equal("allowed by role device, rule 1", decision.ToString());
    }
}
