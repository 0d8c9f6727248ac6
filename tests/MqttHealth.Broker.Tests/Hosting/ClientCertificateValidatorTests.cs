using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using MqttHealth.Broker.Listeners;

namespace MqttHealth.Broker.Tests.Hosting;

public sealed class ClientCertificateValidatorTests
{
    [Fact]
    public void Validate_CertificateIssuedByConfiguredCa_Accepted()
    {
        using var ca = TestCertificates.CreateCa("Clinic CA");
        using var validator = new ClientCertificateValidator([X509CertificateLoader.LoadCertificate(ca.Ca.RawData)]);
        using X509Certificate2 client = ca.IssueClient("device-1");

        Assert.True(validator.Validate(client, null, out string reason), reason);
    }

    [Fact]
    public void Validate_CertificateFromAnotherCa_Refused()
    {
        using var trusted = TestCertificates.CreateCa("Clinic CA");
        using var other = TestCertificates.CreateCa("Other CA");
        using var validator = new ClientCertificateValidator([X509CertificateLoader.LoadCertificate(trusted.Ca.RawData)]);
        using X509Certificate2 client = other.IssueClient("intruder");

        Assert.False(validator.Validate(client, null, out string reason));
        Assert.NotEmpty(reason);
    }

    [Fact]
    public void Validate_ExpiredCertificate_Refused()
    {
        using var ca = TestCertificates.CreateCa("Clinic CA");
        using var validator = new ClientCertificateValidator([X509CertificateLoader.LoadCertificate(ca.Ca.RawData)]);
        using X509Certificate2 client = ca.IssueClient("old-device", expired: true);

        Assert.False(validator.Validate(client, null, out _));
    }

    [Fact]
    public void Validate_ServerAuthenticationOnlyCertificate_Refused()
    {
        using var ca = TestCertificates.CreateCa("Clinic CA");
        using var validator = new ClientCertificateValidator([X509CertificateLoader.LoadCertificate(ca.Ca.RawData)]);
        using X509Certificate2 server = ca.IssueClient("a-server", serverAuthenticationOnly: true);

        Assert.False(validator.Validate(server, null, out _));
    }

    [Fact]
    public void FromPemFile_NoRootCertificate_Throws()
    {
        using var ca = TestCertificates.CreateCa("Clinic CA");
        using var directory = new HostingTempDirectory();
        using X509Certificate2 leaf = ca.IssueClient("not-a-ca");
        string path = directory.Write("ca.pem", leaf.ExportCertificatePem());

        Assert.Throws<CryptographicException>(() => ClientCertificateValidator.FromPemFile(path));
    }
}
