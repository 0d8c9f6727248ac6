using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using MqttHealth.Broker.Testing;

namespace MqttHealth.Broker.Tests.Hosting;

/// <summary>The TLS listener with client certificates required (or optional), against a CA made by the test.</summary>
public sealed class BrokerTlsClientCertificateTests : IAsyncLifetime, IDisposable
{
    private readonly HostingTempDirectory _files = new();
    private readonly TestCertificates _ca = TestCertificates.CreateCa("MqttHealth test clinic CA");
    private BrokerProcess? _required;

    public async Task InitializeAsync()
    {
        string caPath = _ca.WriteCaPem(_files.File("clients-ca.pem"));
        _required = await BrokerProcess.StartAsync(new BrokerProcessOptions
        {
            InMemoryStorage = true,
            ExtraArguments = ["--tls-client-certs", "required", "--tls-client-ca", caPath],
        });
    }

    public async Task DisposeAsync()
    {
        if (_required is not null)
        {
            await _required.DisposeAsync();
        }
    }

    public void Dispose()
    {
        _ca.Dispose();
        _files.Dispose();
    }

    [Theory]
    [InlineData(SslProtocols.Tls12)]
    [InlineData(SslProtocols.Tls13)]
    public async Task Required_CertificateFromConfiguredCa_Accepted(SslProtocols protocol)
    {
        using X509Certificate2 server = TlsClient.LoadPem(_required!.DevelopmentCertificatePath);
        using X509Certificate2 client = _ca.IssueClient("device-17");

        Assert.Equal(protocol, await TlsClient.TryConnectAsync(_required.Ports.Tls, server, protocol, client));
    }

    [Theory]
    [InlineData(SslProtocols.Tls12)]
    [InlineData(SslProtocols.Tls13)]
    public async Task Required_NoCertificate_Refused(SslProtocols protocol)
    {
        using X509Certificate2 server = TlsClient.LoadPem(_required!.DevelopmentCertificatePath);

        Assert.Null(await TlsClient.TryConnectAsync(_required.Ports.Tls, server, protocol));
    }

    [Fact]
    public async Task Required_CertificateFromAnotherCa_RefusedAndLogged()
    {
        using var other = TestCertificates.CreateCa("Somebody else's CA");
        using X509Certificate2 server = TlsClient.LoadPem(_required!.DevelopmentCertificatePath);
        using X509Certificate2 intruder = other.IssueClient("intruder");

        Assert.Null(await TlsClient.TryConnectAsync(_required.Ports.Tls, server, SslProtocols.Tls13, intruder));
        await _required.Output.WaitForLineContainingAsync("[3009] Refused a TLS client certificate (subject CN=intruder", MqttWire.Timeout);
    }

    [Fact]
    public async Task Optional_NoCertificateAccepted_CertificateFromAnotherCaRefused()
    {
        await using BrokerProcess optional = await BrokerProcess.StartAsync(new BrokerProcessOptions
        {
            InMemoryStorage = true,
            ExtraArguments = ["--tls-client-certs", "optional", "--tls-client-ca", _files.File("clients-ca.pem")],
        });
        using X509Certificate2 server = TlsClient.LoadPem(optional.DevelopmentCertificatePath);
        using var other = TestCertificates.CreateCa("Somebody else's CA");
        using X509Certificate2 intruder = other.IssueClient("intruder");
        using X509Certificate2 device = _ca.IssueClient("device-18");

        Assert.Equal(SslProtocols.Tls13, await TlsClient.TryConnectAsync(optional.Ports.Tls, server, SslProtocols.Tls13));
        Assert.Equal(SslProtocols.Tls13, await TlsClient.TryConnectAsync(optional.Ports.Tls, server, SslProtocols.Tls13, device));
        Assert.Null(await TlsClient.TryConnectAsync(optional.Ports.Tls, server, SslProtocols.Tls13, intruder));
    }
}
