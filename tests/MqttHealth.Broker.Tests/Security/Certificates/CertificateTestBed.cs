using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging.Abstractions;
using MqttHealth.Broker.Audit;
using MqttHealth.Broker.Listeners;
using MqttHealth.Broker.Options;
using MqttHealth.Broker.Security.Authentication;
using MqttHealth.Broker.Security.Authorization;
using MqttHealth.Broker.Tests.Infrastructure;

namespace MqttHealth.Broker.Tests.Security.Certificates;

/// <summary>
/// A facility PKI (root CA, an intermediate CA, the broker's server certificate), a data directory with the client CA
/// file, a CRL file, a users file and a device policy, and the broker behind real TLS with certificate authentication.
/// </summary>
internal sealed class CertificateTestBed : IAsyncDisposable
{
    public const string DevicePolicy = """
        { "roles": { "device": { "rules": [
          { "effect": "allow", "actions": ["publish"], "topics": ["mh/v1/{attr:facility}/{attr:unit}/{attr:device}/+", "id/{username}/out"] }
        ] } } }
        """;

    private readonly TempDataDirectory _data = new();
    private ConnectAuthenticator? _authenticator;
    private ClientCertificateValidator? _validator;

    public CertificateTestBed()
    {
        Root = TestPki.CreateRoot("CN=St Elsewhere Devices Root CA, O=St Elsewhere");
        Intermediate = TestPki.IssueIntermediate(Root, "CN=St Elsewhere Ward CA, O=St Elsewhere");
        Server = TestPki.IssueLeaf(Root, "CN=localhost", san => san.AddDnsName("localhost"), server: true);
        File.WriteAllText(CaFile, TestPki.CertificatesPem(Root, Intermediate));
        File.WriteAllText(PolicyFile, DevicePolicy);
    }

    public X509Certificate2 Root { get; }

    public X509Certificate2 Intermediate { get; }

    public X509Certificate2 Server { get; }

    public string DataDirectory => _data.Path;

    public string CaFile => Path.Combine(_data.Path, "clients-ca.pem");

    public string CrlFile => Path.Combine(_data.Path, "clients.crl");

    public string UsersFile => Path.Combine(_data.Path, UserStore.DefaultFileName);

    public string PolicyFile => Path.Combine(_data.Path, "policy.json");

    public TlsInProcessBroker? Broker { get; private set; }

    public AuditLog? Audit { get; private set; }

    public CertificateRevocationStore? Revocation => _validator?.Revocation;

    /// <summary>Writes the CRL file: one fresh CRL from the root and one from the intermediate, revoking <paramref name="revoked"/> (each by its issuer).</summary>
    public void WriteCrls(params X509Certificate2[] revoked) =>
        File.WriteAllText(CrlFile, TestPki.Pem(
            TestPki.Crl(Root, revoked.Where(c => c.IssuerName.Name == Root.SubjectName.Name)),
            TestPki.Crl(Intermediate, revoked.Where(c => c.IssuerName.Name == Intermediate.SubjectName.Name), number: 2)));

    /// <summary>
    /// Starts the broker: the CA file, the CRL file when <paramref name="crl"/> (written first with nothing revoked
    /// unless it exists), the users file as it is, the device policy, an audit trail.
    /// </summary>
    public TlsInProcessBroker Start(CertificateOptions? options = null, bool crl = true, CrlStaleMode stale = CrlStaleMode.Refuse)
    {
        _validator = ClientCertificateValidator.FromPemFile(CaFile);
        if (crl)
        {
            if (!File.Exists(CrlFile))
            {
                WriteCrls();
            }

            _validator.LoadRevocation(CrlFile, stale);
        }

        var users = UserStore.Open(UsersFile);
        _authenticator = new ConnectAuthenticator(users, new PasswordHasher(1000), NullLogger<ConnectAuthenticator>.Instance, backoff: new AuthFailureBackoff(TimeSpan.Zero, TimeSpan.Zero))
        {
            Certificates = new CertificateAuthenticator(options ?? new CertificateOptions { DefaultRoles = ["device"] }, users, _validator.Revocation, NullLogger<CertificateAuthenticator>.Instance),
        };
        Audit = AuditLog.Open(_data.Path, new AuditOptions(), NullLogger<AuditLog>.Instance);
        Broker = TlsInProcessBroker.Start(Server, _validator, _authenticator, PolicyStore.Load(PolicyFile), Audit);
        return Broker;
    }

    /// <summary>The audit trail so far, as the JSON lines <c>audit export</c> writes.</summary>
    public async Task<string> AuditTextAsync()
    {
        await Audit!.FlushAsync();
        var export = new StringWriter();
        AuditExporter.Export(_data.Path, export);
        return export.ToString();
    }

    /// <summary>Three whole looks at the CRL file after this call (the first may have begun before it).</summary>
    public async Task SeveralCrlChecksAsync()
    {
        for (int i = 0; i < 3; i++)
        {
            await Broker!.Broker.NextClientCrlCheckAsync().WaitAsync(TimeSpan.FromSeconds(10));
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Broker is not null)
        {
            await Broker.DisposeAsync();
        }

        if (Audit is not null)
        {
            await Audit.DisposeAsync();
        }

        _authenticator?.Dispose();
        _validator?.Dispose();
        Server.Dispose();
        Intermediate.Dispose();
        Root.Dispose();
        _data.Dispose();
    }
}
