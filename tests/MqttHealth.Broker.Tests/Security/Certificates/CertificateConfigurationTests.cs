using MqttHealth.Broker.Hosting;
using MqttHealth.Broker.Options;

namespace MqttHealth.Broker.Tests.Security.Certificates;

/// <summary>The certificate and CRL settings in the configuration check that runs before anything listens.</summary>
public sealed class CertificateConfigurationTests
{
    [Fact]
    public void CrlFileWithoutClientCertificates_Refused()
    {
        var options = new BrokerOptions { TlsPort = 0 };
        options.Tls.ClientCrlFile = "/etc/mqtthealth/ca.crl";

        string problem = Assert.Single(BrokerOptionsValidator.Validate(options));

        Assert.Contains("Broker:Tls:ClientCrlFile (--tls-client-crl) is set but Broker:Tls:ClientCertificates (--tls-client-certs) is none", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void BadCertificateSettings_OneLineEach()
    {
        var options = new BrokerOptions { TlsPort = 0 };
        options.Security.Certificates.Identity = "OU";
        options.Security.Certificates.Attributes["ward"] = "SAN:IP";

        IReadOnlyList<string> problems = BrokerOptionsValidator.Validate(options);

        Assert.Equal(2, problems.Count);
        Assert.Contains(problems, p => p.StartsWith("Broker:Security:Certificates:Identity must be CN, SAN:DNS, SAN:URI or SAN:EMAIL", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("Broker:Security:Certificates:Attributes:ward: unknown certificate field 'SAN:IP'", StringComparison.Ordinal));
    }

    [Fact]
    public void ConfiguredAttributes_ReplaceTheDefaultMap_EmptyFieldDropsOne()
    {
        var options = new CertificateOptions();
        Assert.Equal(CertificateOptions.DefaultAttributes, options.EffectiveAttributes);

        options.Attributes["site"] = "L";
        options.Attributes["device"] = string.Empty;

        Assert.Equal(new Dictionary<string, string> { ["site"] = "L" }, options.EffectiveAttributes);
    }
}
