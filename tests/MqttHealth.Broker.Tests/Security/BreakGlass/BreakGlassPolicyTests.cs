using MqttHealth.Broker.Security;
using MqttHealth.Broker.Security.Authorization;
using MqttHealth.Broker.Security.BreakGlass;

namespace MqttHealth.Broker.Tests.Security.BreakGlass;

/// <summary>The policy file's breakGlass section: read strictly, every property required, codes rather than free text.</summary>
public class BreakGlassPolicyTests
{
    private const string Section = """
        "breakGlass": { "roles": ["nurse"], "actions": ["subscribe"], "topics": ["mh/v1/{attr:facility}/#"],
                        "maxMinutes": 60, "reasons": ["code-blue"], "alertTopic": "mh/v1/privacy/breakglass" }
        """;

    [Fact]
    public void Parse_Section_ReadsEveryPropertyAndFillsTheScopePerPrincipal()
    {
        BreakGlassPolicy section = Parse(Section)!;
        var nurse = new Principal("n1", PrincipalKind.Password, ["nurse"], new Dictionary<string, string> { ["facility"] = "f1" });

        Assert.Equal(TimeSpan.FromMinutes(60), section.MaxDuration);
        Assert.Equal("mh/v1/privacy/breakglass", section.AlertTopic);
        Assert.True(section.MayOpen(nurse));
        Assert.True(section.IsWithinScope(nurse, "c", "mh/v1/f1/u9/+/vitals"));
        Assert.False(section.IsWithinScope(nurse, "c", "mh/v1/f2/u9/+/vitals"));
        Assert.False(section.IsWithinScope(nurse, "c", "mh/#"));
        Assert.False(section.IsWithinScope(new Principal("n2", PrincipalKind.Password, ["nurse"], new Dictionary<string, string>()), "c", "mh/v1/f1/u9/+/vitals"));
    }

    [Fact]
    public void Parse_NoSection_HasNoBreakGlass() => Assert.Null(Parse(null));

    [Theory]
    [InlineData("\"maxMinutes\": 60,", "\"maxMinutes\" is missing")]
    [InlineData("\"maxMinutes\": 60,", "\"maxMinutes\": 0,", "from 1 to 1440")]
    [InlineData("\"actions\": [\"subscribe\"]", "\"actions\": [\"subscribe\", \"retain\"]", "never retain")]
    [InlineData("\"roles\": [\"nurse\"]", "\"roles\": [\"surgeon\"]", "\"surgeon\" is not defined")]
    [InlineData("\"reasons\": [\"code-blue\"]", "\"reasons\": [\"the patient in bed 4\"]", "codes, not free text")]
    [InlineData("\"alertTopic\": \"mh/v1/privacy/breakglass\"", "\"alertTopic\": \"mh/v1/privacy/#\"", "must be a topic name")]
    [InlineData("\"maxMinutes\": 60,", "\"maxMinutes\": 60, \"extra\": 1,", "unknown property \"extra\"")]
    public void Parse_BadSection_IsRefusedNamingTheProblem(string replace, string with, string? expected = null)
    {
        // One argument: the property is removed; two: replaced. The last argument is the expected message.
        string section = expected is null ? Section.Replace(replace, string.Empty, StringComparison.Ordinal) : Section.Replace(replace, with, StringComparison.Ordinal);
        PolicyException error = Assert.Throws<PolicyException>(() => Parse(section));

        Assert.Contains(expected ?? with, error.Message, StringComparison.Ordinal);
        Assert.Contains("$.breakGlass", error.Message, StringComparison.Ordinal);
    }

    private static BreakGlassPolicy? Parse(string? section) => AuthorizationPolicy.Parse(
        "{ \"roles\": { \"nurse\": { \"rules\": [] } }" + (section is null ? string.Empty : ", " + section) + " }",
        "policy.json").BreakGlass;
}
