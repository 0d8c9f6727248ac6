using System.Security.Cryptography.X509Certificates;
using MqttHealth.Broker.Listeners;
using MqttHealth.Broker.Options;

namespace MqttHealth.Broker.Tests.Hosting;

public sealed class TlsListenerSettingsTests
{
    [Fact]
    public void TryLoad_CertificateChainAndSeparateKey_LoadsCertificateWithKeyAndChain()
    {
        using var directory = new HostingTempDirectory();
        using var ca = TestCertificates.CreateCa("Facility CA");
        using X509Certificate2 server = ca.IssueClient("broker.clinic.example", serverAuthenticationOnly: true);
        ca.WritePem(server, directory.File("chain.pem"), directory.File("key.pem"));
        var options = new BrokerOptions { DataDirectory = directory.File("data"), Tls = { CertificatePath = directory.File("chain.pem"), KeyPath = directory.File("key.pem") } };

        Assert.True(TlsListenerSettings.TryLoad(options, TimeProvider.System, out TlsListenerSettings? settings, out string? error), error);

        using (settings)
        {
            Assert.Equal(server.Thumbprint, settings!.ServerCertificate.Thumbprint);
            Assert.True(settings.ServerCertificate.HasPrivateKey);
            Assert.Equal(ca.Ca.Thumbprint, Assert.Single(settings.ServerChain).Thumbprint);
            Assert.Null(settings.DevelopmentCertificatePath);
            Assert.Null(settings.ClientValidator);
        }
    }

    [Fact]
    public void TryLoad_KeyInTheCertificateFile_Loads()
    {
        using var directory = new HostingTempDirectory();
        using var ca = TestCertificates.CreateCa("Facility CA");
        using X509Certificate2 server = ca.IssueClient("broker", serverAuthenticationOnly: true);
        ca.WritePem(server, directory.File("all.pem"), keyPath: null);
        var options = new BrokerOptions { Tls = { CertificatePath = directory.File("all.pem") } };

        Assert.True(TlsListenerSettings.TryLoad(options, TimeProvider.System, out TlsListenerSettings? settings, out string? error), error);

        using (settings)
        {
            Assert.True(settings!.ServerCertificate.HasPrivateKey);
        }
    }

    [Fact]
    public void TryLoad_NotAPemCertificate_ErrorNamesTheFlagAndFile()
    {
        using var directory = new HostingTempDirectory();
        string path = directory.Write("broken.pem", "this is not a certificate");
        var options = new BrokerOptions { Tls = { CertificatePath = path } };

        Assert.False(TlsListenerSettings.TryLoad(options, TimeProvider.System, out _, out string? error));

        Assert.StartsWith($"cannot load Broker:Tls:CertificatePath (--tls-cert) '{path}'", error, StringComparison.Ordinal);
    }

    [Fact]
    public void TryLoad_ClientOnlyCertificate_RefusedForServerUse()
    {
        using var directory = new HostingTempDirectory();
        using var ca = TestCertificates.CreateCa("Facility CA");
        using X509Certificate2 client = ca.IssueClient("device");
        ca.WritePem(client, directory.File("chain.pem"), directory.File("key.pem"));
        var options = new BrokerOptions { Tls = { CertificatePath = directory.File("chain.pem"), KeyPath = directory.File("key.pem") } };

        Assert.False(TlsListenerSettings.TryLoad(options, TimeProvider.System, out _, out string? error));

        Assert.EndsWith("its Extended Key Usage does not allow server authentication", error, StringComparison.Ordinal);
    }

    [Fact]
    public void TryLoad_NoCertificateConfigured_UsesTheDevelopmentCertificateInTheDataDirectory()
    {
        using var directory = new HostingTempDirectory();
        var options = new BrokerOptions { DataDirectory = directory.File("data") };

        Assert.True(TlsListenerSettings.TryLoad(options, TimeProvider.System, out TlsListenerSettings? settings, out string? error), error);

        using (settings)
        {
            Assert.Equal(Path.Combine(directory.File("data"), DevelopmentCertificate.CertificateFileName), settings!.DevelopmentCertificatePath);
            Assert.True(settings.DevelopmentCertificateCreated);
        }
    }
}
