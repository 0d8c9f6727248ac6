using MqttHealth.Broker.Hosting;

namespace MqttHealth.Broker.Tests.Hosting;

public sealed class BrokerCommandLineTests
{
    [Fact]
    public void Parse_BareAllowAnonymous_SetsTrueWithoutTakingTheNextArgument()
    {
        var parsed = BrokerCommandLine.Parse(["--allow-anonymous", "--port", "1884"]);

        Assert.Null(parsed.Error);
        Assert.Equal(BrokerCommand.Run, parsed.Command);
        Assert.Equal("true", parsed.Settings["Broker:AllowAnonymous"]);
        Assert.Equal("1884", parsed.Settings["Broker:Port"]);
    }

    [Fact]
    public void Parse_AllowAnonymousAsLastArgument_SetsTrue()
    {
        var parsed = BrokerCommandLine.Parse(["--port", "1884", "--allow-anonymous"]);

        Assert.Null(parsed.Error);
        Assert.Equal("true", parsed.Settings["Broker:AllowAnonymous"]);
    }

    [Fact]
    public void Parse_AllowAnonymousWithInlineFalse_SetsFalse()
    {
        var parsed = BrokerCommandLine.Parse(["--allow-anonymous=false"]);

        Assert.Equal("false", parsed.Settings["Broker:AllowAnonymous"]);
    }

    [Fact]
    public void Parse_EveryValueFlag_SetsItsConfigurationKey()
    {
        foreach (BrokerFlag flag in BrokerCommandLine.Flags.Where(f => !f.IsSwitch && f.ConfigurationKey is not null))
        {
            var parsed = BrokerCommandLine.Parse([flag.Name, "v1"]);

            Assert.Null(parsed.Error);
            Assert.Equal("v1", parsed.Settings[flag.ConfigurationKey!]);
        }
    }

    [Fact]
    public void Parse_InlineValue_IsAccepted()
    {
        var parsed = BrokerCommandLine.Parse(["--port=1999", "--tls-client-certs=required"]);

        Assert.Equal("1999", parsed.Settings["Broker:Port"]);
        Assert.Equal("required", parsed.Settings["Broker:Tls:ClientCertificates"]);
    }

    [Fact]
    public void Parse_ConfigurationKeyArgument_IsPassedThrough()
    {
        var parsed = BrokerCommandLine.Parse(["--Broker:MaxQueuedMessages", "500", "--Logging:LogLevel:Default=Debug"]);

        Assert.Null(parsed.Error);
        Assert.Equal("500", parsed.Settings["Broker:MaxQueuedMessages"]);
        Assert.Equal("Debug", parsed.Settings["Logging:LogLevel:Default"]);
    }

    [Fact]
    public void Parse_LaterFlag_WinsOverEarlier()
    {
        var parsed = BrokerCommandLine.Parse(["--port", "1", "--port", "2"]);

        Assert.Equal("2", parsed.Settings["Broker:Port"]);
    }

    [Fact]
    public void Parse_ConfigFlag_SetsConfigFileNotASetting()
    {
        var parsed = BrokerCommandLine.Parse(["--config", "/etc/mqtthealth/broker.json"]);

        Assert.Equal("/etc/mqtthealth/broker.json", parsed.ConfigFile);
        Assert.Empty(parsed.Settings);
    }

    [Theory]
    [InlineData(new[] { "--bogus" }, "unknown option '--bogus'")]
    [InlineData(new[] { "--port" }, "option '--port' needs a value (N)")]
    [InlineData(new[] { "--port", "--allow-anonymous" }, "option '--port' needs a value (N)")]
    [InlineData(new[] { "serve" }, "unexpected argument 'serve'")]
    [InlineData(new[] { "--port", "1", "recover" }, "the recover verb must come first")]
    [InlineData(new[] { "recover", "--port", "1" }, "option '--port' does not apply to recover")]
    [InlineData(new[] { "--help=yes" }, "option '--help' takes no value")]
    [InlineData(new[] { "--Broker:Port" }, "option '--Broker:Port' needs a value")]
    public void Parse_BadArguments_ReturnsOneLineError(string[] args, string expected)
    {
        var parsed = BrokerCommandLine.Parse(args);

        Assert.NotNull(parsed.Error);
        Assert.Contains(expected, parsed.Error, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', parsed.Error);
    }

    [Fact]
    public void Parse_RecoverWithData_IsRecoverCommand()
    {
        var parsed = BrokerCommandLine.Parse(["recover", "--data", "/var/lib/mqtthealth"]);

        Assert.Null(parsed.Error);
        Assert.Equal(BrokerCommand.Recover, parsed.Command);
        Assert.Equal("/var/lib/mqtthealth", parsed.Settings["Broker:DataDirectory"]);
    }

    [Theory]
    [InlineData("--help")]
    [InlineData("-h")]
    public void Parse_Help_IsHelpCommand(string flag)
    {
        Assert.Equal(BrokerCommand.Help, BrokerCommandLine.Parse(["--port", "1", flag]).Command);
        Assert.Equal(BrokerCommand.Help, BrokerCommandLine.Parse(["recover", flag]).Command);
    }

    [Fact]
    public void Usage_ListsEveryFlag()
    {
        using var output = new StringWriter();
        BrokerUsage.Write(output);
        string usage = output.ToString();

        foreach (BrokerFlag flag in BrokerCommandLine.Flags)
        {
            Assert.Contains(flag.Name, usage, StringComparison.Ordinal);
        }

        Assert.Contains("MQTTHEALTH_Broker__Port", usage, StringComparison.Ordinal);
    }

    [Fact]
    public void Flags_AreDocumentedInBrokerConfigurationDoc()
    {
        string doc = File.ReadAllText(RepositoryFile("docs/broker-configuration.md"));

        foreach (BrokerFlag flag in BrokerCommandLine.Flags)
        {
            Assert.Contains($"`{flag.Name}", doc, StringComparison.Ordinal);
        }
    }

    internal static string RepositoryFile(string relative, [System.Runtime.CompilerServices.CallerFilePath] string sourceFile = "")
    {
        // From this source file's directory (the test output may live outside the repository, e.g. with
        // --artifacts-path), walking up a bounded number of levels to where MqttHealth.sln is.
        var directory = new DirectoryInfo(Path.GetDirectoryName(sourceFile) ?? AppContext.BaseDirectory);
        for (int i = 0; i < 12 && directory is not null; i++, directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "MqttHealth.sln")))
            {
                return Path.Combine(directory.FullName, relative);
            }
        }

        throw new FileNotFoundException("The repository root (MqttHealth.sln) is not above " + sourceFile);
    }
}
