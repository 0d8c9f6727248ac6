using System.Security.Cryptography.X509Certificates;
using System.Text;
using MqttHealth.Broker.Options;
using MqttHealth.Broker.Security.Authentication;
using MqttHealth.Mqtt.Client;
using MqttHealth.Mqtt.Protocol;

namespace MqttHealth.Broker.Tests.Security.Certificates;

/// <summary>
/// Client certificates as identities, over real TLS on loopback: the name from the CN or a SAN, attributes from the
/// subject that fill the policy's placeholders, roles from a users file certificate entry or the default roles, and
/// the refusals (CONNACK 0x87 / return code 5).
/// </summary>
public sealed class CertificateAuthenticationTests
{
    [Fact]
    public async Task Identity_FromCommonName_AttributesFillThePolicy_DevicePublishesOnlyUnderItsOwnTopics()
    {
        await using var bed = new CertificateTestBed();
        var broker = bed.Start();
        using X509Certificate2 device = TestPki.IssueLeaf(bed.Root, "CN=mon-42, OU=icu-2, O=f1");

        await using MqttClient client = await broker.ConnectAsync(device, "mon-42");

        Assert.Equal(ReasonCode.NoMatchingSubscribers, (await Publish(client, "mh/v1/f1/icu-2/mon-42/vitals")).ReasonCode);
        Assert.Equal(ReasonCode.NoMatchingSubscribers, (await Publish(client, "id/mon-42/out")).ReasonCode);
        await AssertRefusedAsync(client, "mh/v1/f1/icu-2/mon-43/vitals");
        await AssertRefusedAsync(client, "mh/v1/f1/icu-3/mon-42/vitals");
        await AssertRefusedAsync(client, "mh/v1/f2/icu-2/mon-42/vitals");
        string audit = await bed.AuditTextAsync();
        Assert.Contains("\"kind\":\"AuthenticationSucceeded\"", audit, StringComparison.Ordinal);
        Assert.Contains("\"principal\":\"mon-42\"", audit, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Identity_FromSanUri_NameIsTheUri()
    {
        await using var bed = new CertificateTestBed();
        var broker = bed.Start(new CertificateOptions { Identity = "SAN:URI", DefaultRoles = ["device"] });
        using X509Certificate2 device = TestPki.IssueLeaf(bed.Root, "CN=display name, OU=icu-2, O=f1", san =>
        {
            san.AddDnsName("mon-7.devices.example");
            san.AddUri(new Uri("urn:dev:mon-7"));
            san.AddUri(new Uri("urn:dev:second"));
        });

        await using MqttClient client = await broker.ConnectAsync(device, "mon-7");

        Assert.Equal(ReasonCode.NoMatchingSubscribers, (await Publish(client, "id/urn:dev:mon-7/out")).ReasonCode);
        await AssertRefusedAsync(client, "id/display name/out");
        await AssertRefusedAsync(client, "id/urn:dev:second/out");
    }

    [Theory]
    [InlineData(MqttProtocolVersion.V500, ReasonCode.NotAuthorized)]
    [InlineData(MqttProtocolVersion.V311, ReasonCode.NotAuthorized)]
    public async Task SanTypeConfiguredButMissing_RefusedNotAuthorized_AndAudited(MqttProtocolVersion version, ReasonCode expected)
    {
        await using var bed = new CertificateTestBed();
        var broker = bed.Start(new CertificateOptions { Identity = "SAN:EMAIL" });
        using X509Certificate2 device = TestPki.IssueLeaf(bed.Root, "CN=mon-9, O=f1", san => san.AddDnsName("mon-9.example"));

        var refused = await Assert.ThrowsAsync<MqttClientException>(() => broker.ConnectAsync(device, "mon-9", version));

        Assert.Equal(expected, refused.ReasonCode);
        if (version == MqttProtocolVersion.V311)
        {
            Assert.Equal(ConnectReturnCode.NotAuthorized, refused.ConnectReturnCode);
        }

        string audit = await bed.AuditTextAsync();
        Assert.Contains("\"kind\":\"AuthenticationFailed\"", audit, StringComparison.Ordinal);
        Assert.Contains("has no SAN:EMAIL", audit, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UsersFileCertificateEntry_GivesRolesAndOverridesSubjectAttributes()
    {
        await using var bed = new CertificateTestBed();
        UserStore.Save(bed.UsersFile, [new StoredUser("mon-5", string.Empty, ["device"], new Dictionary<string, string> { ["unit"] = "icu-9" }) { IsCertificate = true }]);
        var broker = bed.Start(new CertificateOptions());
        using X509Certificate2 device = TestPki.IssueLeaf(bed.Root, "CN=mon-5, OU=icu-2, O=f1");

        await using MqttClient client = await broker.ConnectAsync(device, "mon-5");

        Assert.Equal(ReasonCode.NoMatchingSubscribers, (await Publish(client, "mh/v1/f1/icu-9/mon-5/vitals")).ReasonCode);
        await AssertRefusedAsync(client, "mh/v1/f1/icu-2/mon-5/vitals");
    }

    [Fact]
    public async Task NoUsersFileEntry_DefaultRolesApply_AndWithoutDefaultRolesNothingIsAllowed()
    {
        await using var withDefaults = new CertificateTestBed();
        var broker = withDefaults.Start(new CertificateOptions { DefaultRoles = ["device"] });
        using X509Certificate2 device = TestPki.IssueLeaf(withDefaults.Root, "CN=mon-6, OU=icu-2, O=f1");
        await using (MqttClient client = await broker.ConnectAsync(device, "mon-6"))
        {
            Assert.Equal(ReasonCode.NoMatchingSubscribers, (await Publish(client, "mh/v1/f1/icu-2/mon-6/vitals")).ReasonCode);
        }

        await using var withoutDefaults = new CertificateTestBed();
        var strict = withoutDefaults.Start(new CertificateOptions());
        using X509Certificate2 other = TestPki.IssueLeaf(withoutDefaults.Root, "CN=mon-6, OU=icu-2, O=f1");
        await using MqttClient roleless = await strict.ConnectAsync(other, "mon-6");
        await AssertRefusedAsync(roleless, "mh/v1/f1/icu-2/mon-6/vitals");
    }

    [Fact]
    public async Task IdentityOfAPasswordUser_CertificateRefused()
    {
        await using var bed = new CertificateTestBed();
        UserStore.Save(bed.UsersFile, [new StoredUser("alice", new PasswordHasher(1000).Hash("pw"u8), ["device"], new Dictionary<string, string>())]);
        var broker = bed.Start();
        using X509Certificate2 impostor = TestPki.IssueLeaf(bed.Root, "CN=alice, OU=icu-2, O=f1");

        var refused = await Assert.ThrowsAsync<MqttClientException>(() => broker.ConnectAsync(impostor, "alice-cert"));

        Assert.Equal(ReasonCode.NotAuthorized, refused.ReasonCode);
        Assert.Contains("is a password user", await bed.AuditTextAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task CertificateAndPassword_CredentialsAreCheckedAsCredentials()
    {
        await using var bed = new CertificateTestBed();
        UserStore.Save(bed.UsersFile, [new StoredUser("alice", new PasswordHasher(1000).Hash("pw"u8), [], new Dictionary<string, string>())]);
        var broker = bed.Start();
        using X509Certificate2 device = TestPki.IssueLeaf(bed.Root, "CN=mon-1, OU=icu-2, O=f1");

        var refused = await Assert.ThrowsAsync<MqttClientException>(() => broker.ConnectAsync(device, "mixed", configure: o =>
        {
            o.UserName = "alice";
            o.Password = "wrong"u8.ToArray();
        }));
        Assert.Equal(ReasonCode.BadUserNameOrPassword, refused.ReasonCode);

        await using MqttClient alice = await broker.ConnectAsync(device, "mixed", configure: o =>
        {
            o.UserName = "alice";
            o.Password = "pw"u8.ToArray();
        });

        // The password principal (no roles) acts, not the certificate's device role.
        await AssertRefusedAsync(alice, "mh/v1/f1/icu-2/mon-1/vitals");
    }

    [Fact]
    public async Task CertificateEntry_CannotLogInWithAPassword()
    {
        await using var bed = new CertificateTestBed();
        UserStore.Save(bed.UsersFile, [new StoredUser("mon-3", string.Empty, ["device"], new Dictionary<string, string>()) { IsCertificate = true }]);
        var broker = bed.Start();
        using X509Certificate2 device = TestPki.IssueLeaf(bed.Root, "CN=mon-4, OU=icu-2, O=f1");

        foreach (string password in new[] { string.Empty, "anything" })
        {
            var refused = await Assert.ThrowsAsync<MqttClientException>(() => broker.ConnectAsync(device, "pw-" + password.Length, configure: o =>
            {
                o.UserName = "mon-3";
                o.Password = Encoding.UTF8.GetBytes(password);
            }));
            Assert.Equal(ReasonCode.BadUserNameOrPassword, refused.ReasonCode);
        }
    }

    [Fact]
    public void Authenticate_SetsExpiresAtToNotAfter_AndKeepsValuesThePolicyWillNotUse()
    {
        using X509Certificate2 root = TestPki.CreateRoot("CN=Root");
        using X509Certificate2 device = TestPki.IssueLeaf(root, "CN=mon-8, OU=u1/dev42, O=f+1");
        using var data = new Infrastructure.TempDataDirectory();
        var authenticator = new CertificateAuthenticator(new CertificateOptions(), UserStore.Open(Path.Combine(data.Path, "users.json")), null, Microsoft.Extensions.Logging.Abstractions.NullLogger<CertificateAuthenticator>.Instance);

        AuthenticationResult result = authenticator.Authenticate(device, "c1", null);

        Assert.Equal(AuthenticationOutcome.Authenticated, result.Outcome);
        Assert.Equal(new DateTimeOffset(device.NotAfter).ToUniversalTime(), result.ExpiresAt);
        Assert.Equal(Broker.Security.PrincipalKind.Certificate, result.Principal!.Kind);
        Assert.Equal("mon-8", result.Principal.Name);
        Assert.Equal("u1/dev42", result.Principal.Attributes["unit"]);
        Assert.Equal("f+1", result.Principal.Attributes["facility"]);
        Assert.Empty(result.Principal.Roles);
    }

    [Fact]
    public void Authenticate_TwoCommonNames_Refused()
    {
        using X509Certificate2 root = TestPki.CreateRoot("CN=Root");
        using X509Certificate2 device = TestPki.IssueLeaf(root, "CN=mon-8, CN=admin");
        using var data = new Infrastructure.TempDataDirectory();
        var authenticator = new CertificateAuthenticator(new CertificateOptions(), UserStore.Open(Path.Combine(data.Path, "users.json")), null, Microsoft.Extensions.Logging.Abstractions.NullLogger<CertificateAuthenticator>.Instance);

        AuthenticationResult result = authenticator.Authenticate(device, "c1", null);

        Assert.Equal(AuthenticationOutcome.NotAuthorized, result.Outcome);
        Assert.Contains("2 CN attributes", result.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("CN", null)]
    [InlineData("SAN:URI", null)]
    [InlineData("OU", "Identity")]
    [InlineData("SAN:IP", "Identity")]
    public void Validate_Identity(string identity, string? error)
    {
        IReadOnlyList<string> problems = CertificateAuthenticator.Validate(new CertificateOptions { Identity = identity });

        if (error is null)
        {
            Assert.Empty(problems);
        }
        else
        {
            Assert.Contains(error, Assert.Single(problems), StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Validate_UnknownAttributeFieldAndBadRole_Reported()
    {
        IReadOnlyList<string> problems = CertificateAuthenticator.Validate(new CertificateOptions
        {
            Attributes = new Dictionary<string, string> { ["facility"] = "ORG", ["Unit"] = "OU" },
            DefaultRoles = ["bad role"],
        });

        Assert.Equal(3, problems.Count);
        Assert.Contains(problems, p => p.Contains("'ORG'", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("'Unit'", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("'bad role'", StringComparison.Ordinal));
    }

    private static ValueTask<MqttClientPublishResult> Publish(MqttClient client, string topic) =>
        client.PublishAsync(topic, "1"u8.ToArray(), QualityOfService.AtLeastOnce);

    private static async Task AssertRefusedAsync(MqttClient client, string topic)
    {
        var refused = await Assert.ThrowsAsync<MqttClientException>(async () => await Publish(client, topic));
        Assert.Equal(ReasonCode.NotAuthorized, refused.ReasonCode);
    }
}
