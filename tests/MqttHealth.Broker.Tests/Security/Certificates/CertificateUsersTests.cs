using MqttHealth.Broker.Hosting;
using MqttHealth.Broker.Security.Authentication;
using MqttHealth.Broker.Tests.Infrastructure;

namespace MqttHealth.Broker.Tests.Security.Certificates;

/// <summary>Certificate entries in the users file: <c>users add --certificate</c>, and what the file accepts.</summary>
public sealed class CertificateUsersTests : IDisposable
{
    private readonly TempDataDirectory _data = new();
    private readonly TempDataDirectory _contentRoot = new();

    private string UsersFile => Path.Combine(_data.Path, "users.json");

    public void Dispose()
    {
        _data.Dispose();
        _contentRoot.Dispose();
    }

    [Fact]
    public void AddCertificate_WritesAnEntryWithoutAHash_ReadsNoPassword_ListShowsIt()
    {
        var (code, output, _) = Run("must-not-be-read\n", "add", "urn:dev:mon-42", "--certificate", "--role", "device", "--attr", "unit=icu-2");

        Assert.Equal(BrokerExitCodes.Ok, code);
        Assert.Contains("certificate entry 'urn:dev:mon-42' added", output, StringComparison.Ordinal);
        StoredUser entry = Assert.Single(UserStore.Load(UsersFile));
        Assert.True(entry.IsCertificate);
        Assert.Empty(entry.PasswordHash);
        Assert.Equal(["device"], entry.Roles);
        Assert.Equal("icu-2", entry.Attributes["unit"]);
        string json = File.ReadAllText(UsersFile);
        Assert.Contains("\"certificate\": true", json, StringComparison.Ordinal);
        Assert.DoesNotContain("\"hash\"", json, StringComparison.Ordinal);

        var (_, list, _) = Run(string.Empty, "list");
        Assert.Equal("urn:dev:mon-42\tcertificate\troles=device\tunit=icu-2", list.Trim());
    }

    [Fact]
    public void PasswdOnACertificateEntry_ExitCode2()
    {
        Run(string.Empty, "add", "mon-1", "--certificate");

        var (code, _, error) = Run("pw\n", "passwd", "mon-1");

        Assert.Equal(BrokerExitCodes.BadConfiguration, code);
        Assert.Contains("is a certificate entry", error, StringComparison.Ordinal);
        Assert.True(UserStore.Load(UsersFile)[0].IsCertificate);
    }

    [Theory]
    [InlineData("--password-stdin", "exclude each other")]
    public void AddCertificate_WithAPasswordOption_ExitCode2(string option, string expected)
    {
        var (code, _, error) = Run("pw\n", "add", "mon-1", "--certificate", option);

        Assert.Equal(BrokerExitCodes.BadConfiguration, code);
        Assert.Contains(expected, error, StringComparison.Ordinal);
        Assert.False(File.Exists(UsersFile));
    }

    [Theory]
    [InlineData("""{ "users": [ { "name": "m", "certificate": true, "hash": "pbkdf2-sha256$1000$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=" } ] }""", "must not have a \"hash\"")]
    [InlineData("""{ "users": [ { "name": "m", "certificate": "yes" } ] }""", "must be true or false")]
    [InlineData("""{ "users": [ { "name": "m", "certificate": false } ] }""", "needs a \"name\" and a \"hash\"")]
    public void UsersFile_BadCertificateEntry_Refused(string json, string expected)
    {
        File.WriteAllText(UsersFile, json);

        var error = Assert.Throws<UserStoreException>(() => UserStore.Load(UsersFile));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    private (int Code, string Output, string Error) Run(string stdin, params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        string[] all = [.. args, "--data", _data.Path, "--Broker:Security:PasswordIterations", "1000"];
        int code = UsersCommand.Run(all, _contentRoot.Path, "Production", new StringReader(stdin), inputIsTerminal: false, output, error);
        return (code, output.ToString().Replace("\r", string.Empty, StringComparison.Ordinal), error.ToString());
    }
}
