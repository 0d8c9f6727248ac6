using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using MqttHealth.Broker.Testing;
using MqttHealth.EdgeAgent.Tests.Infrastructure;

namespace MqttHealth.EdgeAgent.Tests;

/// <summary>The uplink over TLS with the device's own certificate as the client certificate.</summary>
public sealed class MutualTlsTests
{
    [Fact]
    public async Task MutualTls_BrokerRequiresAClientCertificate_AgentPresentsItsDeviceIdentityAndDelivers()
    {
        using var setup = new AgentSetup(1, FreePorts.Allocate());
        (string serverCa, string serverCertificate, string serverKey) = ServerCertificate(setup.Directory);
        await using BrokerProcess broker = await BrokerProcess.StartAsync(new BrokerProcessOptions
        {
            ExtraArguments =
            [
                "--tls-cert", serverCertificate, "--tls-key", serverKey,
                "--tls-client-certs", "required", "--tls-client-ca", Path.Combine(setup.Directory, "ca", "ca.crt.pem"),
            ],
        });
        setup.Set("Broker", "Port", broker.Ports.Tls);
        setup.Set("Broker", "Tls", true);
        setup.Set("Broker", "TlsCaFile", serverCa);
        setup.Set("Broker", "TlsHost", "localhost");
        setup.Set("Broker", "TlsClientCertificate", true);
        await using TestReceiver receiver = await TestReceiver.StartAsync(broker.Ports.Mqtt, setup.Consumer, setup.Trust);
        await using AgentProcess agent = await AgentProcess.StartAsync(setup);

        await agent.AcceptAsync([AgentSetup.Vitals("mon-1", 0), AgentSetup.Alarm("mon-1", 1, 9)]);

        await receiver.WaitForAsync(r => r.VitalsCount() == 1 && r.Opened.Any(o => o.Kind == Payloads.Clinical.V1.ClinicalPayload.KindOneofCase.Alarm), TimeSpan.FromSeconds(60), "the reading and the alarm over mutual TLS");
        await agent.Log.WaitForLineContainingAsync("Connected to 127.0.0.1", TimeSpan.FromSeconds(10));
        Assert.Empty(receiver.Errors);
    }

    /// <summary>A CA of its own for the broker's server certificate (localhost), as PEM files.</summary>
    private static (string Ca, string Certificate, string Key) ServerCertificate(string directory)
    {
        using ECDsa caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=test broker CA", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        using X509Certificate2 ca = caRequest.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(10));
        using ECDsa key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        using X509Certificate2 server = request.Create(ca, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(9), [1, 2, 3, 4]);
        string caPath = Path.Combine(directory, "server-ca.crt.pem");
        string certificatePath = Path.Combine(directory, "server.crt.pem");
        string keyPath = Path.Combine(directory, "server.key.pem");
        File.WriteAllText(caPath, ca.ExportCertificatePem());
        File.WriteAllText(certificatePath, server.ExportCertificatePem());
        File.WriteAllText(keyPath, key.ExportPkcs8PrivateKeyPem());
        return (caPath, certificatePath, keyPath);
    }
}
