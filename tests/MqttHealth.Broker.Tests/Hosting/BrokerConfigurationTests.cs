using Microsoft.Extensions.Configuration;
using MqttHealth.Broker.Hosting;
using MqttHealth.Broker.Options;
using MqttHealth.Mqtt.Protocol;

namespace MqttHealth.Broker.Tests.Hosting;

public sealed class BrokerConfigurationTests
{
    [Fact]
    public void Layers_AppsettingsConfigEnvironmentCommandLine_LaterWins()
    {
        using var directory = new HostingTempDirectory();
        directory.Write("appsettings.json", """{ "Broker": { "Port": 1000, "AdminPort": 1001, "WebSocketPort": 1002, "TlsPort": 1003 } }""");
        string extra = directory.Write("extra.json", """{ "Broker": { "AdminPort": 2001, "WebSocketPort": 2002, "TlsPort": 2003 } }""");

        // A prefix of this test's own, so that parallel tests and the real MQTTHEALTH_ variables are untouched.
        string prefix = "MQTTHEALTH_TEST_" + Guid.NewGuid().ToString("N") + "_";
        Environment.SetEnvironmentVariable(prefix + "Broker__WebSocketPort", "3002");
        Environment.SetEnvironmentVariable(prefix + "Broker__TlsPort", "3003");
        try
        {
            var commandLine = BrokerCommandLine.Parse(["--config", extra, "--tls-port", "4003", "--allow-anonymous"]);
            BrokerOptions options = Load(commandLine, directory.Path, prefix);

            Assert.Equal(1000, options.Port);
            Assert.Equal(2001, options.AdminPort);
            Assert.Equal(3002, options.WebSocketPort);
            Assert.Equal(4003, options.TlsPort);
            Assert.True(options.AllowAnonymous);
        }
        finally
        {
            Environment.SetEnvironmentVariable(prefix + "Broker__WebSocketPort", null);
            Environment.SetEnvironmentVariable(prefix + "Broker__TlsPort", null);
        }
    }

    [Fact]
    public void Layers_NoFiles_DefaultsApply()
    {
        using var directory = new HostingTempDirectory();

        BrokerOptions options = Load(BrokerCommandLine.Parse([]), directory.Path, "MQTTHEALTH_TEST_NONE_");

        Assert.Equal(1883, options.Port);
        Assert.Equal(8883, options.TlsPort);
        Assert.Equal(8083, options.WebSocketPort);
        Assert.Equal(18083, options.AdminPort);
        Assert.Equal("127.0.0.1", options.AdminBindAddress);
        Assert.Equal("./data", options.DataDirectory);
        Assert.Equal("sqlite", options.Storage);
        Assert.False(options.AllowAnonymous);
    }

    [Fact]
    public void Layers_ShippedAppsettings_MatchesTheDocumentedDefaults()
    {
        // The appsettings.json next to the binary restates the defaults; it must not drift from BrokerOptions.
        string shipped = BrokerCommandLineTests.RepositoryFile("broker/MqttHealth.Broker/appsettings.json");
        using var directory = new HostingTempDirectory();
        File.Copy(shipped, directory.File("appsettings.json"));

        BrokerOptions loaded = Load(BrokerCommandLine.Parse([]), directory.Path, "MQTTHEALTH_TEST_NONE_");
        var defaults = new BrokerOptions();

        Assert.Equal(defaults.Port, loaded.Port);
        Assert.Equal(defaults.TlsPort, loaded.TlsPort);
        Assert.Equal(defaults.WebSocketPort, loaded.WebSocketPort);
        Assert.Equal(defaults.AdminPort, loaded.AdminPort);
        Assert.Equal(defaults.AdminBindAddress, loaded.AdminBindAddress);
        Assert.Equal(defaults.BindAddress, loaded.BindAddress);
        Assert.Equal(defaults.DataDirectory, loaded.DataDirectory);
        Assert.Equal(defaults.Storage, loaded.Storage);
        Assert.Equal(defaults.AllowAnonymous, loaded.AllowAnonymous);
        Assert.Equal(defaults.Tls.ClientCertificates, loaded.Tls.ClientCertificates);
        Assert.Equal(defaults.SysIntervalSeconds, loaded.SysIntervalSeconds);
    }

    [Fact]
    public void TryAddSources_MissingConfigFile_ErrorNamesTheFile()
    {
        using var directory = new HostingTempDirectory();
        string missing = directory.File("missing.json");

        bool added = BrokerConfiguration.TryAddSources(new ConfigurationManager(), BrokerCommandLine.Parse(["--config", missing]), directory.Path, "Production", out string? error);

        Assert.False(added);
        Assert.Equal($"configuration file '{missing}' (--config) does not exist", error);
    }

    [Fact]
    public void TryAddSources_MalformedConfigFile_ErrorNamesFileAndPosition()
    {
        using var directory = new HostingTempDirectory();
        string broken = directory.Write("broken.json", "{ \"Broker\": { \"Port\": ");

        // A ConfigurationManager (what the program uses) loads each file as it is added.
        bool added = BrokerConfiguration.TryAddSources(new ConfigurationManager(), BrokerCommandLine.Parse(["--config", broken]), directory.Path, "Production", out string? error);

        Assert.False(added);
        Assert.Contains(broken, error, StringComparison.Ordinal);
        Assert.Contains("LineNumber", error, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error!);
    }

    [Theory]
    [InlineData("--port", "abc", "invalid value 'abc' for Broker:Port (--port): expected a whole number")]
    [InlineData("--port", "1.5", "invalid value '1.5' for Broker:Port (--port)")]
    [InlineData("--allow-anonymous=yes", null, "invalid value 'yes' for Broker:AllowAnonymous (--allow-anonymous): expected true or false")]
    [InlineData("--tls-client-certs", "sometimes", "expected one of none, optional, required")]
    [InlineData("--tls-client-certs", "2", "invalid value '2' for Broker:Tls:ClientCertificates")]
    [InlineData("--Broker:ReceiveMaximum", "70000", "expected a whole number from 0 to 65535")]
    [InlineData("--Broker:ShutdownTimeout", "soon", "expected a time span such as 00:00:30")]
    [InlineData("--Broker:Prot", "1884", "unknown setting 'Broker:Prot'")]
    [InlineData("--Broker:Tls:CertPath", "x.pem", "unknown setting 'Broker:Tls:CertPath'")]
    public void TryBind_BadValue_ErrorNamesKeyFlagAndExpectation(string flag, string? value, string expected)
    {
        string[] args = value is null ? [flag] : [flag, value];
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(BrokerCommandLine.Parse(args).Settings).Build();

        bool bound = BrokerConfiguration.TryBind(configuration, out _, out string? error);

        Assert.False(bound);
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }

    [Fact]
    public void TryBind_EnumNamesAnyCase_Bind()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Broker:Tls:ClientCertificates"] = "optional",
            ["Broker:QueueOverflow"] = "DROPOLDEST",
            ["Broker:MaximumQoS"] = "AtLeastOnce",
            ["Broker:ServerKeepAlive"] = "30",
            ["Broker:ShutdownTimeout"] = "00:00:05",
        }).Build();

        Assert.True(BrokerConfiguration.TryBind(configuration, out BrokerOptions options, out string? error), error);
        Assert.Equal(ClientCertificateMode.Optional, options.Tls.ClientCertificates);
        Assert.Equal(QueueOverflowPolicy.DropOldest, options.QueueOverflow);
        Assert.Equal(QualityOfService.AtLeastOnce, options.MaximumQoS);
        Assert.Equal((ushort)30, options.ServerKeepAlive);
        Assert.Equal(TimeSpan.FromSeconds(5), options.ShutdownTimeout);
    }

    private static BrokerOptions Load(BrokerCommandLine commandLine, string contentRoot, string environmentPrefix)
    {
        var configuration = new ConfigurationManager();
        Assert.True(BrokerConfiguration.TryAddSources(configuration, commandLine, contentRoot, "Production", out string? sourceError, environmentPrefix), sourceError);
        Assert.True(BrokerConfiguration.TryBind(configuration, out BrokerOptions options, out string? bindError), bindError);
        return options;
    }
}
