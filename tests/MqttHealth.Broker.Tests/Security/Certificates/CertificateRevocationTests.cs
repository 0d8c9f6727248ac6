using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using MqttHealth.Broker.Listeners;
using MqttHealth.Broker.Options;
using MqttHealth.Broker.Security.Authentication;
using MqttHealth.Broker.Tests.Infrastructure;
using MqttHealth.Mqtt.Client;
using MqttHealth.Mqtt.Protocol;

namespace MqttHealth.Broker.Tests.Security.Certificates;

/// <summary>
/// The client CRL file: checked at the TLS handshake (leaf and intermediates) and at CONNECT, refused at load when a
/// CRL does not verify, comes from an unknown CA or does not parse, stale CRLs per Broker:Tls:ClientCrlStale, and
/// reloads that drop live connections whose certificate is now revoked (or keep the old lists when the new file is bad).
/// </summary>
public sealed class CertificateRevocationTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task RevokedLeaf_RefusedAtTheHandshake_OthersAccepted()
    {
        await using var bed = new CertificateTestBed();
        using X509Certificate2 revoked = TestPki.IssueLeaf(bed.Root, "CN=mon-lost, OU=icu-2, O=f1");
        using X509Certificate2 good = TestPki.IssueLeaf(bed.Root, "CN=mon-ok, OU=icu-2, O=f1");
        bed.WriteCrls(revoked);
        var broker = bed.Start();

        await Assert.ThrowsAnyAsync<Exception>(() => broker.ConnectAsync(revoked, "mon-lost"));
        await using MqttClient client = await broker.ConnectAsync(good, "mon-ok");

        Assert.Contains(broker.RefusedHandshakes, reason => reason.Contains("is revoked", StringComparison.Ordinal) && reason.Contains("mon-lost", StringComparison.Ordinal));
    }

    [Fact]
    public async Task RevokedIntermediate_EveryCertificateBelowItRefusedAtTheHandshake()
    {
        await using var bed = new CertificateTestBed();
        using X509Certificate2 device = TestPki.IssueLeaf(bed.Intermediate, "CN=mon-ward, OU=icu-2, O=f1");
        await using (var before = new CertificateTestBed())
        {
            // The same kind of chain is accepted while the intermediate is not revoked.
            using X509Certificate2 wardDevice = TestPki.IssueLeaf(before.Intermediate, "CN=mon-ward, OU=icu-2, O=f1");
            await using MqttClient accepted = await before.Start().ConnectAsync(wardDevice, "mon-ward");
        }

        bed.WriteCrls(bed.Intermediate);
        var broker = bed.Start();

        await Assert.ThrowsAnyAsync<Exception>(() => broker.ConnectAsync(device, "mon-ward"));
        Assert.Contains(broker.RefusedHandshakes, reason => reason.Contains("is revoked", StringComparison.Ordinal) && reason.Contains("Ward CA", StringComparison.Ordinal));
    }

    [Fact]
    public async Task RevokedCertificate_RefusedAtConnect_WhenTheHandshakeDidNotCheck()
    {
        // A listener whose check ran before the revocation (or a path without one): the authenticator checks again.
        await using var bed = new CertificateTestBed();
        using X509Certificate2 revoked = TestPki.IssueLeaf(bed.Intermediate, "CN=mon-late, OU=icu-2, O=f1");
        bed.WriteCrls(bed.Intermediate);
        bed.Start();
        var authenticator = new CertificateAuthenticator(new CertificateOptions(), UserStore.Open(bed.UsersFile), bed.Revocation, Microsoft.Extensions.Logging.Abstractions.NullLogger<CertificateAuthenticator>.Instance);

        AuthenticationResult result = authenticator.Authenticate(revoked, "c1", null);

        Assert.Equal(AuthenticationOutcome.NotAuthorized, result.Outcome);
        Assert.Contains("Ward CA", result.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void CrlSignedByAnotherKey_RefusedAtLoad()
    {
        using X509Certificate2 root = TestPki.CreateRoot("CN=Clinic CA");
        using X509Certificate2 forger = TestPki.CreateRoot("CN=Clinic CA");
        using var data = new TempDataDirectory();
        string path = Path.Combine(data.Path, "crl.pem");
        File.WriteAllText(path, TestPki.Pem(TestPki.Crl(forger, [])));

        var error = Assert.Throws<CertificateRevocationException>(() => CertificateRevocationStore.Load(path, [root], CrlStaleMode.Refuse));

        Assert.Contains("signature does not verify", error.Message, StringComparison.Ordinal);
        Assert.Contains(path, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void CrlFromAnUnknownIssuer_RefusedAtLoad()
    {
        using X509Certificate2 root = TestPki.CreateRoot("CN=Clinic CA");
        using X509Certificate2 other = TestPki.CreateRoot("CN=Another hospital CA");
        using var data = new TempDataDirectory();
        string path = Path.Combine(data.Path, "crl.pem");
        File.WriteAllText(path, TestPki.Pem(TestPki.Crl(root, []), TestPki.Crl(other, [])));

        var error = Assert.Throws<CertificateRevocationException>(() => CertificateRevocationStore.Load(path, [root], CrlStaleMode.Refuse));

        Assert.Contains("CRL 2 of 2 is issued by 'CN=Another hospital CA', which is not a CA of Broker:Tls:ClientCaPath", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("not a CRL at all\n", "no CRL found")]
    [InlineData("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", "'CERTIFICATE' PEM block")]
    [InlineData("-----BEGIN X509 CRL-----\nMAMCAQE=\n-----END X509 CRL-----\n", "cannot be used")]
    public void CrlFileThatDoesNotParse_RefusedAtLoad(string content, string expected)
    {
        using X509Certificate2 root = TestPki.CreateRoot("CN=Clinic CA");
        using var data = new TempDataDirectory();
        string path = Path.Combine(data.Path, "crl.pem");
        File.WriteAllText(path, content);

        var error = Assert.Throws<CertificateRevocationException>(() => CertificateRevocationStore.Load(path, [root], CrlStaleMode.Refuse));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false, "SHA256")]
    [InlineData(false, "SHA384")]
    [InlineData(false, "SHA512")]
    [InlineData(true, "SHA256")]
    [InlineData(true, "SHA384")]
    [InlineData(true, "SHA512")]
    public void CrlSignedWithEcdsaOrRsa_VerifiesAndRevokes(bool rsa, string hash)
    {
        using X509Certificate2 root = TestPki.CreateRoot("CN=Clinic CA", rsa);
        using X509Certificate2 revoked = TestPki.IssueLeaf(root, "CN=mon-1");
        using X509Certificate2 good = TestPki.IssueLeaf(root, "CN=mon-2");
        using var data = new TempDataDirectory();
        string path = Path.Combine(data.Path, "crl.der");

        // DER, two CRLs back to back: the newer one (thisUpdate) is the one in force.
        byte[] older = TestPki.Crl(root, [], thisUpdate: DateTimeOffset.UtcNow.AddHours(-2), hash: new HashAlgorithmName(hash));
        byte[] newer = TestPki.Crl(root, [revoked], hash: new HashAlgorithmName(hash), number: 2);
        File.WriteAllBytes(path, [.. newer, .. older]);

        CertificateRevocationStore store = CertificateRevocationStore.Load(path, [root], CrlStaleMode.Refuse);

        Assert.Equal(1, store.RevokedCount);
        Assert.Contains("is revoked", store.Check(revoked, DateTimeOffset.UtcNow), StringComparison.Ordinal);
        Assert.Null(store.Check(good, DateTimeOffset.UtcNow));
    }

    [Fact]
    public async Task StaleCrl_RefuseMode_HandshakeRefused()
    {
        await using var bed = new CertificateTestBed();
        WriteStaleRootCrl(bed);
        using X509Certificate2 device = TestPki.IssueLeaf(bed.Root, "CN=mon-1, OU=icu-2, O=f1");
        var broker = bed.Start(stale: CrlStaleMode.Refuse);

        await Assert.ThrowsAnyAsync<Exception>(() => broker.ConnectAsync(device, "mon-1"));

        Assert.Contains(broker.RefusedHandshakes, reason => reason.Contains("past its next update", StringComparison.Ordinal));
        await bed.SeveralCrlChecksAsync();
        Assert.Contains("past its next update", await bed.AuditTextAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task StaleCrl_AcceptMode_StillAppliedButNotRefusing()
    {
        await using var bed = new CertificateTestBed();
        using X509Certificate2 revoked = TestPki.IssueLeaf(bed.Root, "CN=mon-lost, OU=icu-2, O=f1");
        WriteStaleRootCrl(bed, revoked);
        using X509Certificate2 device = TestPki.IssueLeaf(bed.Root, "CN=mon-1, OU=icu-2, O=f1");
        var broker = bed.Start(stale: CrlStaleMode.Accept);

        await using MqttClient client = await broker.ConnectAsync(device, "mon-1");
        await Assert.ThrowsAnyAsync<Exception>(() => broker.ConnectAsync(revoked, "mon-lost"));
    }

    [Fact]
    public async Task CrlReload_DisconnectsALiveConnectionWhoseCertificateIsNowRevoked_AndAuditsIt()
    {
        await using var bed = new CertificateTestBed();
        using X509Certificate2 device = TestPki.IssueLeaf(bed.Intermediate, "CN=mon-stolen, OU=icu-2, O=f1");
        using X509Certificate2 other = TestPki.IssueLeaf(bed.Intermediate, "CN=mon-kept, OU=icu-2, O=f1");
        var broker = bed.Start();
        await using MqttClient stolen = await broker.ConnectAsync(device, "mon-stolen");
        await using MqttClient kept = await broker.ConnectAsync(other, "mon-kept");

        bed.WriteCrls(device);

        MqttClientDisconnectedEventArgs disconnected = await stolen.Disconnection.WaitAsync(Wait);
        Assert.Equal(ReasonCode.NotAuthorized, disconnected.ReasonCode);
        Assert.Equal("client certificate revoked", disconnected.ReasonString);
        Assert.Equal(ReasonCode.NoMatchingSubscribers, (await kept.PublishAsync("mh/v1/f1/icu-2/mon-kept/vitals", "1"u8.ToArray(), QualityOfService.AtLeastOnce)).ReasonCode);
        await Assert.ThrowsAnyAsync<Exception>(() => broker.ConnectAsync(device, "mon-stolen"));

        string audit = await WaitForAuditAsync(bed, "client certificate revoked after a CRL reload");
        Assert.Contains("\"kind\":\"CertificateChanged\"", audit, StringComparison.Ordinal);
        Assert.Contains("2 CRLs, 1 revoked serials; 1 connections disconnected", audit, StringComparison.Ordinal);
        Assert.Contains("\"kind\":\"Disconnect\"", audit, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BadCrlReload_KeepsTheLastGoodLists()
    {
        await using var bed = new CertificateTestBed();
        using X509Certificate2 revoked = TestPki.IssueLeaf(bed.Root, "CN=mon-lost, OU=icu-2, O=f1");
        using X509Certificate2 device = TestPki.IssueLeaf(bed.Root, "CN=mon-1, OU=icu-2, O=f1");
        bed.WriteCrls(revoked);
        var broker = bed.Start();
        await using MqttClient client = await broker.ConnectAsync(device, "mon-1");

        using (X509Certificate2 forger = TestPki.CreateRoot(bed.Root.Subject))
        {
            File.WriteAllText(bed.CrlFile, TestPki.Pem(TestPki.Crl(forger, [])));
        }

        await bed.SeveralCrlChecksAsync();

        Assert.Contains("signature does not verify", bed.Revocation!.LastError, StringComparison.Ordinal);
        Assert.Equal(1, bed.Revocation.RevokedCount);
        await Assert.ThrowsAnyAsync<Exception>(() => broker.ConnectAsync(revoked, "mon-lost"));
        Assert.Equal(ReasonCode.NoMatchingSubscribers, (await client.PublishAsync("mh/v1/f1/icu-2/mon-1/vitals", "1"u8.ToArray(), QualityOfService.AtLeastOnce)).ReasonCode);
        Assert.Contains("refused; the previous 2 CRLs (1 revoked serials) stay in force", await bed.AuditTextAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public void Validator_WithoutRevocation_AcceptsWhatTheCrlWouldRefuse()
    {
        // The check is the CRL's doing: the same chain passes without one.
        using X509Certificate2 root = TestPki.CreateRoot("CN=Clinic CA");
        using X509Certificate2 device = TestPki.IssueLeaf(root, "CN=mon-1");
        using var data = new TempDataDirectory();
        string path = Path.Combine(data.Path, "crl.pem");
        File.WriteAllText(path, TestPki.Pem(TestPki.Crl(root, [device])));
        using var plain = new ClientCertificateValidator([X509CertificateLoader.LoadCertificate(root.RawData)]);
        using var checking = new ClientCertificateValidator([X509CertificateLoader.LoadCertificate(root.RawData)]);
        checking.LoadRevocation(path, CrlStaleMode.Refuse);

        Assert.True(plain.Validate(device, null, out _));
        Assert.False(checking.Validate(device, null, out string reason));
        Assert.Contains("is revoked", reason, StringComparison.Ordinal);
    }

    private static void WriteStaleRootCrl(CertificateTestBed bed, params X509Certificate2[] revoked)
    {
        DateTimeOffset now = DateTimeOffset.UtcNow;
        File.WriteAllText(bed.CrlFile, TestPki.Pem(
            TestPki.Crl(bed.Root, revoked, nextUpdate: now.AddHours(-1), thisUpdate: now.AddDays(-8)),
            TestPki.Crl(bed.Intermediate, [], number: 2)));
    }

    // The Disconnect record is written when the connection's read loop ends, a moment after the client saw DISCONNECT.
    private static async Task<string> WaitForAuditAsync(CertificateTestBed bed, string expected)
    {
        using var timeout = new CancellationTokenSource(Wait);
        while (true)
        {
            string text = await bed.AuditTextAsync();
            if (text.Contains(expected, StringComparison.Ordinal) || timeout.IsCancellationRequested)
            {
                return text;
            }

            await bed.Broker!.Broker.NextClientCrlCheckAsync().WaitAsync(Wait);
        }
    }
}
