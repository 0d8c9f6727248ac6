using System.Net;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using MqttHealth.Broker.Testing;
using MqttHealth.Mqtt.Client.Tests.Infrastructure;
using MqttHealth.Mqtt.Protocol;

namespace MqttHealth.Mqtt.Client.Tests.Connect;

/// <summary>MQTT over TLS (SslStream) against a Mosquitto TLS listener with a self-signed certificate made by the test.</summary>
public sealed class TlsTests : IAsyncLifetime
{
    private MosquittoBroker? _broker;
    private string _thumbprint = string.Empty;

    public async Task InitializeAsync()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        using X509Certificate2 certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        _thumbprint = certificate.Thumbprint;
        string certificatePem = certificate.ExportCertificatePem();
        string keyPem = key.ExportPkcs8PrivateKeyPem();
        _broker = await MosquittoBroker.StartAsync(
            "certfile %DIR%/cert.pem\nkeyfile %DIR%/key.pem",
            dir =>
            {
                File.WriteAllText(Path.Combine(dir, "cert.pem"), certificatePem);
                File.WriteAllText(Path.Combine(dir, "key.pem"), keyPem);
            });
    }

    public async Task DisposeAsync()
    {
        if (_broker is not null)
        {
            await _broker.DisposeAsync();
        }
    }

    [Theory]
    [InlineData(MqttProtocolVersion.V311)]
    [InlineData(MqttProtocolVersion.V500)]
    public async Task Connect_TlsWithPinnedCertificate_RoundTrips(MqttProtocolVersion version)
    {
        MqttClientOptions options = TestClients.Options(_broker!.Port, version);
        options.Tls = new MqttClientTlsOptions
        {
            TargetHost = "localhost",
            RemoteCertificateValidationCallback = (_, certificate, _, _) =>
                certificate is not null && string.Equals(certificate.GetCertHashString(), _thumbprint, StringComparison.OrdinalIgnoreCase),
        };
        await using MqttClient client = await TestClients.ConnectAsync(options);
        string topic = TestClients.NewTopic();
        await client.SubscribeAsync(topic, QualityOfService.AtLeastOnce);

        await client.PublishAsync(topic, TestClients.Bytes("over tls"), QualityOfService.AtLeastOnce);

        Assert.Equal("over tls", TestClients.Text(await client.ReceivedMessages.ReadAsync()));
    }

    [Fact]
    public async Task Connect_TlsUntrustedCertificate_ThrowsConnectFailed()
    {
        MqttClientOptions options = TestClients.Options(_broker!.Port);
        options.Tls = new MqttClientTlsOptions { TargetHost = "localhost" };
        await using var client = new MqttClient(options);

        var error = await Assert.ThrowsAsync<MqttClientException>(() => client.ConnectAsync().WaitAsync(TestClients.Timeout));

        Assert.Equal(MqttClientErrorKind.ConnectFailed, error.Kind);
        Assert.IsType<AuthenticationException>(error.InnerException);
    }

    [Fact]
    public async Task Connect_PlainTcpToTlsListener_Fails()
    {
        MqttClientOptions options = TestClients.Options(_broker!.Port);
        options.ConnectTimeout = TimeSpan.FromSeconds(2);
        await using var client = new MqttClient(options);

        var error = await Assert.ThrowsAsync<MqttClientException>(() => client.ConnectAsync().WaitAsync(TestClients.Timeout));

        Assert.Contains(error.Kind, new[] { MqttClientErrorKind.ConnectFailed, MqttClientErrorKind.ConnectTimeout });
    }
}
