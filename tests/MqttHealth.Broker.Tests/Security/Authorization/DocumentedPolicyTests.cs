using MqttHealth.Broker.Security;
using MqttHealth.Broker.Security.Authorization;
using MqttHealth.Broker.Tests.Hosting;

namespace MqttHealth.Broker.Tests.Security.Authorization;

/// <summary>The hospital example in docs/authorization.md parses and decides as the page says.</summary>
public class DocumentedPolicyTests
{
    private static readonly AuthorizationPolicy Policy = AuthorizationPolicy.Parse(ExamplePolicy(), "docs/authorization.md");

    private static Principal Member(string role, string name = "x", string? device = null)
    {
        var attributes = new Dictionary<string, string> { ["facility"] = "f1", ["unit"] = "icu3" };
        if (device is not null)
        {
            attributes["device"] = device;
        }

        return new Principal(name, PrincipalKind.Certificate, [role], attributes);
    }

    [Theory]
    [InlineData("device", TopicAction.Publish, "mh/v1/f1/icu3/dev42/vitals", "role device, rule 0")]
    [InlineData("device", TopicAction.Retain, "mh/v1/f1/icu3/dev42/status", "role device, rule 1")]
    [InlineData("device", TopicAction.Retain, "mh/v1/f1/icu3/dev42/context", "role device, rule 1")]
    [InlineData("device", TopicAction.Retain, "mh/v1/f1/icu3/dev42/keys", "role device, rule 1")]
    [InlineData("device", TopicAction.Subscribe, "mh/v1/f1/icu3/dev42/cmd", "role device, rule 2")]
    [InlineData("gateway", TopicAction.Retain, "mh/v1/f1/icu3/dev7/status", "role gateway, rule 0")]
    [InlineData("gateway", TopicAction.Subscribe, "gw/gw1/#", "role gateway, rule 1")]
    [InlineData("nurse-station", TopicAction.Subscribe, "mh/v1/f1/icu3/+/vitals", "role nurse-station, rule 0")]
    [InlineData("nurse-station", TopicAction.Publish, "mh/v1/f1/icu3/dev42/cmd", "role nurse-station, rule 2")]
    [InlineData("nurse-station", TopicAction.Publish, "stations/ns1/ack", "role nurse-station, rule 2")]
    [InlineData("integrator", TopicAction.Subscribe, "$share/etl/mh/v1/f1/+/+/vitals", "role integrator, rule 0")]
    [InlineData("integrator", TopicAction.Subscribe, "mh/v1/f1/+/+/context", "role integrator, rule 0")]
    [InlineData("admin", TopicAction.Subscribe, "$SYS/#", AuthorizationDecision.DollarTopicAdminRule)]
    public void ExamplePolicy_Allows(string role, TopicAction action, string topic, string rule) =>
        Assert.Equal(new AuthorizationDecision(true, rule), Policy.Authorize(Member(role, "ns1", "dev42"), "gw1", action, topic));

    [Theory]
    [InlineData("device", TopicAction.Subscribe, "mh/#", AuthorizationDecision.DefaultDenyRule)]
    [InlineData("device", TopicAction.Retain, "mh/v1/f1/icu3/dev42/vitals", AuthorizationDecision.DefaultDenyRule)]
    [InlineData("gateway", TopicAction.Publish, "mh/v1/f1/icu3/dev7/cmd", "role gateway, rule 2")]
    [InlineData("nurse-station", TopicAction.Subscribe, "mh/v1/f1/icu3/#", "role nurse-station, rule 1")]
    [InlineData("nurse-station", TopicAction.Subscribe, "mh/v1/f2/icu3/+/vitals", AuthorizationDecision.DefaultDenyRule)]
    [InlineData("integrator", TopicAction.Subscribe, "mh/v1/f1/+/+/+", AuthorizationDecision.DefaultDenyRule)]
    [InlineData("integrator", TopicAction.Subscribe, "$SYS/#", AuthorizationDecision.DollarTopicAdminOnlyRule)]
    public void ExamplePolicy_Denies(string role, TopicAction action, string topic, string rule) =>
        Assert.Equal(new AuthorizationDecision(false, rule), Policy.Authorize(Member(role, "ns1", "dev42"), "gw1", action, topic));

    [Fact]
    public void ExamplePolicy_DescribeListsExpandedPatterns()
    {
        CompiledPolicy compiled = Policy.Compile(Member("device", device: "dev42"), "dev42");
        Assert.Contains("allow publish mh/v1/f1/icu3/dev42/+ (role device, rule 0)", compiled.Describe());
    }

    private static string ExamplePolicy()
    {
        string doc = File.ReadAllText(BrokerCommandLineTests.RepositoryFile("docs/authorization.md"));
        int start = doc.IndexOf("```json\n", StringComparison.Ordinal) + "```json\n".Length;
        return doc[start..doc.IndexOf("```", start, StringComparison.Ordinal)];
    }
}
