using System.Security.Cryptography.X509Certificates;
using MqttHealth.Broker.Hosting;
using MqttHealth.Broker.Testing;
using MqttHealth.Broker.Tests.Infrastructure;
using MqttHealth.Mqtt.Client;
using MqttHealth.Mqtt.Protocol;

namespace MqttHealth.Broker.Tests.Security.Certificates;

/// <summary>
/// The real executable with the client CA, a CRL file and the certificate settings on its command line: a device
/// certificate is the identity (SAN URI, default role, policy placeholders), a revoked one is refused, a CRL rewritten
/// while it runs drops the device it now revokes; and a CRL that does not verify stops the start with exit code 2.
/// </summary>
public sealed class CertificateProcessTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private readonly TempDataDirectory _files = new();
    private readonly X509Certificate2 _root = TestPki.CreateRoot("CN=Rural Clinic Devices CA, O=f1");

    private string CaFile => Path.Combine(_files.Path, "ca.pem");

    private string CrlFile => Path.Combine(_files.Path, "ca.crl");

    public void Dispose()
    {
        _root.Dispose();
        _files.Dispose();
    }

    [Fact]
    public async Task Broker_CertificateIdentityAndCrl_FromConfiguration()
    {
        using X509Certificate2 device = TestPki.IssueLeaf(_root, "CN=Monitor 42, OU=icu-2, O=f1", san => san.AddUri(new Uri("urn:dev:mon-42")));
        using X509Certificate2 lost = TestPki.IssueLeaf(_root, "CN=Monitor 13, OU=icu-2, O=f1", san => san.AddUri(new Uri("urn:dev:mon-13")));
        File.WriteAllText(CaFile, TestPki.CertificatesPem(_root));
        File.WriteAllBytes(CrlFile, TestPki.Crl(_root, [lost])); // DER
        string policy = Path.Combine(_files.Path, "policy.json");
        File.WriteAllText(policy, CertificateTestBed.DevicePolicy);

        await using BrokerProcess broker = await BrokerProcess.StartAsync(new BrokerProcessOptions
        {
            InMemoryStorage = true,
            AllowAnonymous = false,
            ExtraArguments =
            [
                "--tls-client-certs", "required", "--tls-client-ca", CaFile, "--tls-client-crl", CrlFile,
                "--Broker:Security:PolicyFile", policy,
                "--Broker:Security:Certificates:Identity", "SAN:URI",
                "--Broker:Security:Certificates:DefaultRoles:0", "device",
            ],
        });
        await broker.Output.WaitForLineContainingAsync("[5044]", Timeout);
        using X509Certificate2 server = X509Certificate2.CreateFromPem(File.ReadAllText(broker.DevelopmentCertificatePath));

        await using MqttClient client = await ConnectAsync(broker, server, device, "mon-42");
        Assert.Equal(ReasonCode.NoMatchingSubscribers, (await client.PublishAsync("id/urn:dev:mon-42/out", "1"u8.ToArray(), QualityOfService.AtLeastOnce)).ReasonCode);
        Assert.Equal(ReasonCode.NoMatchingSubscribers, (await client.PublishAsync("mh/v1/f1/icu-2/Monitor 42/vitals", "1"u8.ToArray(), QualityOfService.AtLeastOnce)).ReasonCode);
        var denied = await Assert.ThrowsAsync<MqttClientException>(async () => await client.PublishAsync("id/urn:dev:mon-13/out", "1"u8.ToArray(), QualityOfService.AtLeastOnce));
        Assert.Equal(ReasonCode.NotAuthorized, denied.ReasonCode);
        await broker.Output.WaitForLineContainingAsync("[5041]", Timeout);

        await Assert.ThrowsAnyAsync<Exception>(() => ConnectAsync(broker, server, lost, "mon-13"));
        await broker.Output.WaitForLineContainingAsync("[3009] Refused a TLS client certificate (subject CN=Monitor 13", Timeout);

        File.WriteAllBytes(CrlFile, TestPki.Crl(_root, [lost, device], number: 2));
        MqttClientDisconnectedEventArgs dropped = await client.Disconnection.WaitAsync(Timeout);
        Assert.Equal(ReasonCode.NotAuthorized, dropped.ReasonCode);
        await broker.Output.WaitForLineContainingAsync("[5045]", Timeout);
        await broker.Output.WaitForLineContainingAsync("[5047]", Timeout);
    }

    [Fact]
    public async Task Start_CrlSignedByAnotherKey_ExitCode2NamingTheFile()
    {
        using X509Certificate2 forger = TestPki.CreateRoot(_root.Subject);
        File.WriteAllText(CaFile, TestPki.CertificatesPem(_root));
        File.WriteAllText(CrlFile, TestPki.Pem(TestPki.Crl(forger, [])));

        await using BrokerProcess broker = BrokerProcess.Launch(new BrokerProcessOptions
        {
            InMemoryStorage = true,
            ExtraArguments = ["--tls-client-certs", "required", "--tls-client-ca", CaFile, "--tls-client-crl", CrlFile],
        });

        Assert.Equal(BrokerExitCodes.BadConfiguration, await broker.WaitForExitAsync(Timeout));
        Assert.Contains(broker.Output.Lines, l => l.StartsWith("mqtthealth-broker: client CRL file '", StringComparison.Ordinal) && l.Contains("signature does not verify", StringComparison.Ordinal));
    }

    private static async Task<MqttClient> ConnectAsync(BrokerProcess broker, X509Certificate2 server, X509Certificate2 certificate, string clientId)
    {
        var client = new MqttClient(new MqttClientOptions
        {
            Host = "127.0.0.1",
            Port = broker.Ports.Tls,
            ClientId = clientId,
            ProtocolVersion = MqttProtocolVersion.V500,
            ConnectTimeout = TimeSpan.FromSeconds(10),
            Tls = new MqttClientTlsOptions
            {
                TargetHost = "localhost",
                RemoteCertificateValidationCallback = (_, presented, _, _) => presented is not null && presented.GetCertHashString() == server.Thumbprint,
                ClientCertificates = [certificate],
            },
        });
        try
        {
            await client.ConnectAsync().WaitAsync(Timeout);
        }
        catch
        {
            await client.DisposeAsync();
            throw;
        }

        return client;
    }
}
