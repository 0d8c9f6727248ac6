using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging.Abstractions;
using MqttHealth.Broker.Options;
using MqttHealth.Broker.Security.Authentication;
using MqttHealth.Payloads.Keys;

namespace MqttHealth.Cli.Tests;

public sealed class KeysCommandTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "mh-cli-" + Guid.NewGuid().ToString("N"));

    public KeysCommandTests()
    {
        Directory.CreateDirectory(_root);
        File.WriteAllText(Path.Combine(_root, "ca.pass"), "ca secret\n");
        File.WriteAllText(Path.Combine(_root, "key.pass"), "key secret\n");
    }

    private string CaDir => Path.Combine(_root, "ca");

    private string CaPass => Path.Combine(_root, "ca.pass");

    private string KeyPass => Path.Combine(_root, "key.pass");

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private static (int Code, string Output, string Error) Run(string stdin, params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var context = new CliContext
        {
            Input = new StringReader(stdin),
            Output = output,
            Error = error,
            KdfIterations = KeyProtection.MinimumIterations,
        };
        int code = CliProgram.Run(args, context);
        return (code, output.ToString(), error.ToString());
    }

    private void Init() =>
        Assert.Equal(0, Run(string.Empty, "keys", "init", "--facility", "f1", "--out", CaDir, "--passphrase-file", CaPass).Code);

    private void Issue(string role, string name, string outDir, string? unit = "icu-2")
    {
        List<string> args = ["keys", "issue", "--role", role, "--name", name, "--ca", CaDir, "--out", Path.Combine(_root, outDir), "--ca-passphrase-file", CaPass, "--passphrase-file", KeyPass];
        if (unit is not null)
        {
            args.AddRange(["--unit", unit]);
        }

        (int code, _, string error) = Run(string.Empty, [.. args]);
        Assert.True(code == 0, error);
    }

    private (int Code, string Output, string Error) Rotate() =>
        Run(string.Empty, "keys", "rotate", "--cert", Path.Combine(_root, "dev", "mon-42.crt.pem"), "--key", Path.Combine(_root, "dev", "mon-42.key.pem"),
            "--ca", CaDir, "--recipients", Path.Combine(_root, "rcp"), "--out", Path.Combine(_root, "dev", "epoch.json"), "--passphrase-file", KeyPass);

    private KeyIdentity LoadIdentity(string dir, string name) =>
        KeyIdentity.Load(Path.Combine(_root, dir, name + ".crt.pem"), Path.Combine(_root, dir, name + ".key.pem"), "key secret", Trust());

    private FacilityTrust Trust() => new(X509CertificateLoader.LoadCertificateFromFile(Path.Combine(CaDir, "ca.crt.pem")));

    [Fact]
    public void InitIssueRotate_EndToEnd_EveryListedRecipientOpensTheAnnouncement()
    {
        Init();
        Issue("device", "mon-42", "dev");
        Issue("consumer", "central-1", "rcp", unit: null);
        Issue("consumer", "central-2", "rcp", unit: null);

        (int code, string output, string error) = Rotate();

        Assert.True(code == 0, error);
        Assert.Contains("publish ", output, StringComparison.Ordinal);
        Assert.Contains("retained at mh/v1/f1/icu-2/mon-42/keys", output, StringComparison.Ordinal);
        byte[] json = File.ReadAllBytes(Path.Combine(_root, "dev", "epoch.json"));
        using KeyIdentity central1 = LoadIdentity("rcp", "central-1");
        using KeyIdentity central2 = LoadIdentity("rcp", "central-2");
        using KeyIdentity sender = LoadIdentity("dev", "mon-42");
        using ReceivedEpoch one = EpochAnnouncement.Open(json, central1, Trust());
        using ReceivedEpoch two = EpochAnnouncement.Open(json, central2, Trust());
        using ReceivedEpoch own = EpochAnnouncement.Open(json, sender, Trust());
        Assert.Equal(("mon-42", 1u), (one.SenderId, one.Epoch));
        Assert.Equal(one.Secret.ToArray(), two.Secret.ToArray());
        Assert.Equal(one.Secret.ToArray(), own.Secret.ToArray());
    }

    [Fact]
    public void Rotate_Twice_NextEpochNumberFromTheStateFile()
    {
        Init();
        Issue("device", "mon-42", "dev");
        Issue("consumer", "central-1", "rcp", unit: null);

        Assert.Equal(0, Rotate().Code);
        Assert.Equal(0, Rotate().Code);

        Assert.Equal(2u, EpochAnnouncement.Parse(File.ReadAllBytes(Path.Combine(_root, "dev", "epoch.json"))).Epoch);
    }

    [Fact]
    public void RevokeThenRotate_RevokedRecipientLeftOutAndCannotUnwrap()
    {
        Init();
        Issue("device", "mon-42", "dev");
        Issue("consumer", "central-1", "rcp", unit: null);
        Issue("consumer", "central-2", "rcp", unit: null);
        Assert.Equal(0, Rotate().Code);

        (int code, string output, _) = Run(string.Empty, "keys", "revoke", "--name", "central-2", "--ca", CaDir, "--ca-passphrase-file", CaPass);
        Assert.Equal(0, code);
        Assert.Contains("must rotate now", output, StringComparison.Ordinal);
        (int rotated, _, string notes) = Rotate();

        Assert.Equal(0, rotated);
        Assert.Contains("'central-2' is revoked", notes, StringComparison.Ordinal);
        byte[] json = File.ReadAllBytes(Path.Combine(_root, "dev", "epoch.json"));
        using KeyIdentity central2 = LoadIdentity("rcp", "central-2");
        Assert.Equal(KeyErrorKind.NotARecipient, Assert.Throws<KeyException>(() => EpochAnnouncement.Open(json, central2, Trust())).Kind);
        using X509Certificate2 ca = X509CertificateLoader.LoadCertificateFromFile(Path.Combine(CaDir, "ca.crt.pem"));
        FacilityCrl crl = FacilityCrl.Parse(File.ReadAllBytes(Path.Combine(CaDir, "ca.crl.pem")), ca, "crl");
        Assert.Equal([FacilityCrl.SerialKey(central2.Certificate)], crl.RevokedSerials);
    }

    [Fact]
    public void Crl_AfterRevoke_TheBrokerLoadsItAndRefusesTheRevokedCertificate()
    {
        Init();
        Issue("consumer", "central-1", "rcp", unit: null);
        Issue("consumer", "central-2", "rcp", unit: null);
        Assert.Equal(0, Run(string.Empty, "keys", "revoke", "--name", "central-2", "--ca", CaDir, "--ca-passphrase-file", CaPass).Code);

        using X509Certificate2 ca = X509CertificateLoader.LoadCertificateFromFile(Path.Combine(CaDir, "ca.crt.pem"));
        CertificateRevocationStore store = CertificateRevocationStore.Load(Path.Combine(CaDir, "ca.crl.pem"), [ca], CrlStaleMode.Refuse);
        using X509Certificate2 revoked = X509CertificateLoader.LoadCertificateFromFile(Path.Combine(_root, "rcp", "central-2.crt.pem"));
        using X509Certificate2 kept = X509CertificateLoader.LoadCertificateFromFile(Path.Combine(_root, "rcp", "central-1.crt.pem"));

        Assert.NotNull(store.Check(revoked, DateTimeOffset.UtcNow));
        Assert.Null(store.Check(kept, DateTimeOffset.UtcNow));
    }

    [Theory]
    [InlineData("CN", "mon-42")]
    [InlineData("SAN:URI", "urn:mqtthealth:device:mon-42")]
    public void IssuedDeviceCertificate_TheBrokerTakesNameFacilityUnitAndDevice(string identity, string expectedName)
    {
        Init();
        Issue("device", "mon-42", "dev");
        var options = new CertificateOptions { Identity = identity, DefaultRoles = ["device"] };
        string usersPath = Path.Combine(_root, "users.json");
        UserStore.Save(usersPath, []);
        var authenticator = new CertificateAuthenticator(options, UserStore.Open(usersPath), null, NullLogger<CertificateAuthenticator>.Instance);
        using X509Certificate2 certificate = X509CertificateLoader.LoadCertificateFromFile(Path.Combine(_root, "dev", "mon-42.crt.pem"));

        AuthenticationResult result = authenticator.Authenticate(certificate, "c1", null);

        Assert.Equal(AuthenticationOutcome.Authenticated, result.Outcome);
        Assert.Equal(expectedName, result.Principal!.Name);
        Assert.Equal("f1", result.Principal.Attributes["facility"]);
        Assert.Equal("icu-2", result.Principal.Attributes["unit"]);
        Assert.Equal("mon-42", result.Principal.Attributes["device"]);
    }

    [Fact]
    public void Issue_PassphrasesFromStandardInput_CaFirstThenTheKey()
    {
        Init();

        (int code, _, string error) = Run("ca secret\nkey secret\n", "keys", "issue", "--role", "consumer", "--name", "central-1", "--ca", CaDir, "--out", Path.Combine(_root, "rcp"));

        Assert.True(code == 0, error);
        using KeyIdentity loaded = LoadIdentity("rcp", "central-1");
        Assert.Equal(KeyRole.Consumer, loaded.Role);
    }

    [Fact]
    public void Issue_WrongCaPassphrase_Exit1SayingSo()
    {
        Init();

        (int code, _, string error) = Run("not it\nkey secret\n", "keys", "issue", "--role", "consumer", "--name", "central-1", "--ca", CaDir, "--out", Path.Combine(_root, "rcp"));

        Assert.Equal(CliExitCodes.Failure, code);
        Assert.Contains("wrong passphrase", error, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(_root, "rcp", "central-1.key.pem")));
    }

    [Theory]
    [InlineData("")]
    [InlineData("frobnicate")]
    [InlineData("keys")]
    [InlineData("keys", "destroy")]
    [InlineData("keys", "init", "--out", "x")]
    [InlineData("keys", "init", "--facility", "f/1", "--out", "x")]
    [InlineData("keys", "init", "--facility", "f1", "--out", "x", "--days", "0")]
    [InlineData("keys", "init", "--facility", "f1", "--out", "x", "--passphrase", "hunter2")]
    [InlineData("keys", "init", "--facility", "f1", "--out", "x", "--colour", "red")]
    [InlineData("keys", "init", "--facility", "f1", "--facility", "f2", "--out", "x")]
    [InlineData("keys", "issue", "--role", "nurse", "--name", "n", "--ca", "x", "--out", "y")]
    [InlineData("keys", "issue", "--role", "device", "--name", "mon-1", "--ca", "x", "--out", "y")]
    [InlineData("keys", "revoke", "--ca", "x")]
    [InlineData("keys", "rotate", "--cert", "c")]
    public void BadUsage_Exit2WithAMessage(params string[] args)
    {
        string[] arguments = args.Length == 1 && args[0].Length == 0 ? [] : args;

        (int code, _, string error) = Run(string.Empty, arguments);

        Assert.Equal(CliExitCodes.BadUsage, code);
        Assert.NotEmpty(error.Trim());
    }

    [Fact]
    public void Init_OverAnExistingCa_Exit2AndTheCaKeyUnchanged()
    {
        Init();
        string before = File.ReadAllText(Path.Combine(CaDir, "ca.key.pem"));

        (int code, _, string error) = Run(string.Empty, "keys", "init", "--facility", "f1", "--out", CaDir, "--passphrase-file", CaPass);

        Assert.Equal(CliExitCodes.BadUsage, code);
        Assert.Contains("never overwritten", error, StringComparison.Ordinal);
        Assert.Equal(before, File.ReadAllText(Path.Combine(CaDir, "ca.key.pem")));
    }

    [Fact]
    public void Revoke_UnknownName_Exit2()
    {
        Init();

        Assert.Equal(CliExitCodes.BadUsage, Run(string.Empty, "keys", "revoke", "--name", "nobody", "--ca", CaDir, "--ca-passphrase-file", CaPass).Code);
    }

    [Fact]
    public void Help_Exit0WithUsage()
    {
        (int code, string output, _) = Run(string.Empty, "keys", "--help");

        Assert.Equal(0, code);
        Assert.Contains("mqtthealth keys rotate", output, StringComparison.Ordinal);
    }
}
