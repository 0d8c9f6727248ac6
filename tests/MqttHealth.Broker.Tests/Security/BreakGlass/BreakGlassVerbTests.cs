using MqttHealth.Broker.Hosting;
using MqttHealth.Broker.Tests.Infrastructure;

namespace MqttHealth.Broker.Tests.Security.BreakGlass;

/// <summary>The <c>breakglass</c> verb's command line: usage errors exit 2 with one line, before anything is read.</summary>
public sealed class BreakGlassVerbTests : IDisposable
{
    private readonly TempDataDirectory _data = new();

    public void Dispose() => _data.Dispose();

    [Fact]
    public void CommandLine_BreakGlassVerb_HandsTheRestToTheVerb()
    {
        BrokerCommandLine line = BrokerCommandLine.Parse(["breakglass", "list", "--unreviewed"]);

        Assert.Null(line.Error);
        Assert.Equal(BrokerCommand.BreakGlass, line.Command);
        Assert.Equal(["list", "--unreviewed"], line.VerbArguments);
    }

    [Theory]
    [InlineData("missing action", new string[0])]
    [InlineData("unknown action 'open'", new[] { "open" })]
    [InlineData("takes no grant id", new[] { "list", "bg-1" })]
    [InlineData("exactly one grant id", new[] { "review" })]
    [InlineData("apply to 'breakglass review' only", new[] { "list", "--reviewer", "x" })]
    [InlineData("--outcome must be justified or unjustified", new[] { "review", "bg-1", "--outcome", "fine", "--reviewer", "x" })]
    [InlineData("--reviewer NAME is required", new[] { "review", "bg-1", "--outcome", "justified" })]
    public void Run_BadUsage_ExitCode2(string expected, string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();

        int code = BreakGlassVerb.Run([.. args, "--data", _data.Path], _data.Path, "Production", output, error);

        Assert.Equal(BrokerExitCodes.BadConfiguration, code);
        Assert.Contains(expected, error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Run_NoAuditTrailYet_ExitCode1NamingTheFile()
    {
        var error = new StringWriter();

        int code = BreakGlassVerb.Run(["list", "--data", _data.Path], _data.Path, "Production", new StringWriter(), error);

        Assert.Equal(BrokerExitCodes.Failure, code);
        Assert.Contains("audit.db", error.ToString(), StringComparison.Ordinal);
    }
}
