using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using MqttHealth.Broker.Listeners;

namespace MqttHealth.Broker.Tests.Hosting;

public sealed class DevelopmentCertificateTests
{
    [Fact]
    public void LoadOrCreate_EmptyDirectory_WritesEcdsaP256CertificateForLoopback()
    {
        using var directory = new HostingTempDirectory();
        string data = Path.Combine(directory.Path, "data");
        var now = new DateTimeOffset(2026, 11, 21, 12, 0, 0, TimeSpan.Zero);

        using X509Certificate2 certificate = DevelopmentCertificate.LoadOrCreate(data, new FixedTimeProvider(now), out bool created);

        Assert.True(created);
        Assert.True(certificate.HasPrivateKey);
        using (ECDsa? key = certificate.GetECDsaPublicKey())
        {
            Assert.NotNull(key);
            Assert.Equal(ECCurve.NamedCurves.nistP256.Oid.Value, key.ExportParameters(false).Curve.Oid.Value);
        }

        var san = certificate.Extensions.OfType<X509SubjectAlternativeNameExtension>().Single();
        Assert.Equal(["localhost"], san.EnumerateDnsNames());
        Assert.Equal([IPAddress.Loopback, IPAddress.IPv6Loopback], san.EnumerateIPAddresses());
        Assert.Contains(certificate.Extensions.OfType<X509EnhancedKeyUsageExtension>().Single().EnhancedKeyUsages.Cast<Oid>(), o => o.Value == "1.3.6.1.5.5.7.3.1");
        Assert.Equal(now.AddDays(365).UtcDateTime, certificate.NotAfter.ToUniversalTime());
        Assert.True(File.Exists(Path.Combine(data, DevelopmentCertificate.CertificateFileName)));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(data, DevelopmentCertificate.KeyFileName)));
        }
    }

    [Fact]
    public void LoadOrCreate_SecondStart_ReusesTheCertificate()
    {
        using var directory = new HostingTempDirectory();
        var time = new FixedTimeProvider(DateTimeOffset.UtcNow);
        using X509Certificate2 first = DevelopmentCertificate.LoadOrCreate(directory.Path, time, out _);

        using X509Certificate2 second = DevelopmentCertificate.LoadOrCreate(directory.Path, time, out bool created);

        Assert.False(created);
        Assert.Equal(first.Thumbprint, second.Thumbprint);
    }

    [Fact]
    public void LoadOrCreate_CertificateAboutToExpire_IsReplaced()
    {
        using var directory = new HostingTempDirectory();
        var start = DateTimeOffset.UtcNow;
        using X509Certificate2 first = DevelopmentCertificate.LoadOrCreate(directory.Path, new FixedTimeProvider(start), out _);

        using X509Certificate2 renewed = DevelopmentCertificate.LoadOrCreate(directory.Path, new FixedTimeProvider(start.AddDays(360)), out bool created);

        Assert.True(created);
        Assert.NotEqual(first.Thumbprint, renewed.Thumbprint);
    }

    [Fact]
    public void LoadOrCreate_DamagedKeyFile_IsReplaced()
    {
        using var directory = new HostingTempDirectory();
        var time = new FixedTimeProvider(DateTimeOffset.UtcNow);
        using X509Certificate2 first = DevelopmentCertificate.LoadOrCreate(directory.Path, time, out _);
        File.WriteAllText(Path.Combine(directory.Path, DevelopmentCertificate.KeyFileName), "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n");

        using X509Certificate2 replaced = DevelopmentCertificate.LoadOrCreate(directory.Path, time, out bool created);

        Assert.True(created);
        Assert.True(replaced.HasPrivateKey);
    }

    private sealed class FixedTimeProvider(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
