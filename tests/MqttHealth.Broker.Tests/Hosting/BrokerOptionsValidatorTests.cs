using MqttHealth.Broker.Hosting;
using MqttHealth.Broker.Options;

namespace MqttHealth.Broker.Tests.Hosting;

public sealed class BrokerOptionsValidatorTests
{
    [Fact]
    public void Validate_Defaults_AreValid()
    {
        Assert.Empty(BrokerOptionsValidator.Validate(new BrokerOptions()));
    }

    [Theory]
    [InlineData(70000, "Broker:Port (--port) must be between 0 (off) and 65535, not 70000")]
    [InlineData(-1, "Broker:Port (--port) must be between 0 (off) and 65535, not -1")]
    public void Validate_PortOutOfRange_Error(int port, string expected)
    {
        var errors = BrokerOptionsValidator.Validate(new BrokerOptions { Port = port });

        Assert.Equal(expected, Assert.Single(errors));
    }

    [Fact]
    public void Validate_AllMqttListenersOff_Error()
    {
        var errors = BrokerOptionsValidator.Validate(new BrokerOptions { Port = 0, TlsPort = 0, WebSocketPort = 0 });

        Assert.Contains("no MQTT listener is enabled", Assert.Single(errors), StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_OnlyWebSocketListener_IsValid()
    {
        Assert.Empty(BrokerOptionsValidator.Validate(new BrokerOptions { Port = 0, TlsPort = 0, AdminPort = 0 }));
    }

    [Fact]
    public void Validate_TwoListenersOnOnePort_Error()
    {
        var errors = BrokerOptionsValidator.Validate(new BrokerOptions { AdminPort = 1883 });

        Assert.Equal("Broker:Port (--port) and Broker:AdminPort (--admin-port) are both 1883; each listener needs its own port", Assert.Single(errors));
    }

    [Theory]
    [InlineData("postgres")]
    [InlineData("")]
    public void Validate_UnknownStorage_Error(string storage)
    {
        var errors = BrokerOptionsValidator.Validate(new BrokerOptions { Storage = storage });

        Assert.Equal($"unknown storage '{storage}' for Broker:Storage (--storage): expected sqlite or memory", Assert.Single(errors));
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("memory")]
    [InlineData("Memory")]
    public void Validate_KnownStorage_IsValid(string storage)
    {
        Assert.Empty(BrokerOptionsValidator.Validate(new BrokerOptions { Storage = storage }));
    }

    [Fact]
    public void Validate_TlsKeyWithoutCertificate_Error()
    {
        using var directory = new HostingTempDirectory();
        string key = directory.Write("key.pem", "not read by the validator");

        var errors = BrokerOptionsValidator.Validate(new BrokerOptions { Tls = { KeyPath = key } });

        Assert.Equal("Broker:Tls:KeyPath (--tls-key) is set without Broker:Tls:CertificatePath (--tls-cert)", Assert.Single(errors));
    }

    [Theory]
    [InlineData(ClientCertificateMode.Required)]
    [InlineData(ClientCertificateMode.Optional)]
    public void Validate_ClientCertificatesWithoutCa_Error(ClientCertificateMode mode)
    {
        var errors = BrokerOptionsValidator.Validate(new BrokerOptions { Tls = { ClientCertificates = mode } });

        string error = Assert.Single(errors);
        Assert.StartsWith($"Broker:Tls:ClientCertificates (--tls-client-certs) is {mode.ToString().ToLowerInvariant()} but Broker:Tls:ClientCaPath (--tls-client-ca) is not set", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_MissingCertificateFile_ErrorNamesTheFile()
    {
        using var directory = new HostingTempDirectory();
        string missing = directory.File("server.pem");

        var errors = BrokerOptionsValidator.Validate(new BrokerOptions { Tls = { CertificatePath = missing } });

        Assert.Equal($"Broker:Tls:CertificatePath (--tls-cert): file '{missing}' does not exist", Assert.Single(errors));
    }

    [Fact]
    public void Validate_MissingFilesOfDisabledTlsListener_AreNotChecked()
    {
        var errors = BrokerOptionsValidator.Validate(new BrokerOptions { TlsPort = 0, Tls = { CertificatePath = "/nonexistent/server.pem" } });

        Assert.Empty(errors);
    }

    [Theory]
    [InlineData("localhost")]
    [InlineData("0.0.0.0.0")]
    [InlineData("")]
    public void Validate_BindAddressNotAnIpAddress_Error(string address)
    {
        var errors = BrokerOptionsValidator.Validate(new BrokerOptions { BindAddress = address });

        Assert.StartsWith("Broker:BindAddress (--bind) must be an IP address", Assert.Single(errors), StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_OtherLimits_Errors()
    {
        var errors = BrokerOptionsValidator.Validate(new BrokerOptions
        {
            ReceiveMaximum = 0,
            MaxQueuedMessages = 0,
            MaximumPacketSize = 8,
            ShutdownTimeout = TimeSpan.Zero,
            SysIntervalSeconds = -1,
            DataDirectory = " ",
        });

        Assert.Equal(6, errors.Count);
    }

    [Fact]
    public void ValidateOptions_InvalidOptions_Fails()
    {
        var result = new BrokerOptionsValidator().Validate(null, new BrokerOptions { Port = 70000 });

        Assert.True(result.Failed);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(301)]
    public void Validate_ConnectTimeoutOutOfRange_Error(int seconds)
    {
        var options = new BrokerOptions();
        options.Limits.ConnectTimeout = TimeSpan.FromSeconds(seconds);

        Assert.StartsWith("Broker:Limits:ConnectTimeout", Assert.Single(BrokerOptionsValidator.Validate(options)), StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_JwtOffByDefault_NothingRequired()
    {
        var options = new BrokerOptions();
        options.Security.Jwt.ScopeRoles["system/Observation.write"] = "not a role";

        Assert.Empty(BrokerOptionsValidator.Validate(options)); // nothing is checked while JwksFile is unset
    }

    [Fact]
    public void Validate_JwksFileWithoutIssuerAndAudience_Error()
    {
        var options = new BrokerOptions();
        options.Security.Jwt.JwksFile = "jwks.json";

        Assert.Contains("Issuer and Broker:Security:Jwt:Audience are required", Assert.Single(BrokerOptionsValidator.Validate(options)), StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_JwtBadSkewRoleAndAttribute_OneErrorEach()
    {
        var options = new BrokerOptions();
        options.Security.Jwt.JwksFile = "jwks.json";
        options.Security.Jwt.Issuer = "https://idp";
        options.Security.Jwt.Audience = "broker";
        options.Security.Jwt.ClockSkew = TimeSpan.FromHours(1);
        options.Security.Jwt.ScopeRoles["system/Observation.write"] = "a role";
        options.Security.Jwt.AttributeClaims["Facility"] = "facility";

        IReadOnlyList<string> errors = BrokerOptionsValidator.Validate(options);

        Assert.Equal(3, errors.Count);
        Assert.Contains(errors, e => e.Contains("ClockSkew", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("'a role'", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("'Facility'", StringComparison.Ordinal));
    }
}
