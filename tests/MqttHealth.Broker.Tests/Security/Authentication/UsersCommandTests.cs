using MqttHealth.Broker.Hosting;
using MqttHealth.Broker.Security.Authentication;
using MqttHealth.Broker.Tests.Infrastructure;

namespace MqttHealth.Broker.Tests.Security.Authentication;

public sealed class UsersCommandTests : IDisposable
{
    private readonly TempDataDirectory _data = new();
    private readonly TempDataDirectory _contentRoot = new(); // no appsettings.json: only the arguments count

    private string UsersFile => Path.Combine(_data.Path, "users.json");

    public void Dispose()
    {
        _data.Dispose();
        _contentRoot.Dispose();
    }

    [Fact]
    public void Add_WithRolesAndAttributes_StoresAVerifiableHash()
    {
        var (code, _, _) = Run("s3cret\n", "add", "alice", "--role", "nurse", "--role=viewer", "--attr", "facility=f1", "--attr", "unit=icu-2", "--password-stdin");

        Assert.Equal(BrokerExitCodes.Ok, code);
        StoredUser alice = Assert.Single(UserStore.Load(UsersFile));
        Assert.Equal("alice", alice.Name);
        Assert.Equal(["nurse", "viewer"], alice.Roles);
        Assert.Equal("f1", alice.Attributes["facility"]);
        Assert.Equal("icu-2", alice.Attributes["unit"]);
        Assert.True(PasswordHasher.Verify("s3cret"u8, alice.PasswordHash));
        Assert.Equal(1000, PasswordHasher.IterationsOf(alice.PasswordHash)); // the configured count (see Run)
    }

    [Fact]
    public void Add_StdinNotATerminal_ReadsOneLineWithoutTheFlag()
    {
        var (code, _, _) = Run("from-a-pipe\nignored\n", "add", "bob");

        Assert.Equal(BrokerExitCodes.Ok, code);
        Assert.True(PasswordHasher.Verify("from-a-pipe"u8, UserStore.Load(UsersFile)[0].PasswordHash));
    }

    [Fact]
    public void List_ShowsNamesRolesAndAttributes_NeverHashes()
    {
        Run("pw1\n", "add", "alice", "--role", "nurse", "--attr", "facility=f1");
        Run("pw2\n", "add", "bob");

        var (code, output, _) = Run(string.Empty, "list");

        Assert.Equal(BrokerExitCodes.Ok, code);
        Assert.Equal(["alice\troles=nurse\tfacility=f1", "bob\troles=-"], output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.DoesNotContain("pbkdf2", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Add_ExistingUser_ExitCode2AndKeepsThePassword()
    {
        Run("first\n", "add", "alice");

        var (code, _, error) = Run("second\n", "add", "alice");

        Assert.Equal(BrokerExitCodes.BadConfiguration, code);
        Assert.Contains("user 'alice' already exists", error, StringComparison.Ordinal);
        Assert.True(PasswordHasher.Verify("first"u8, UserStore.Load(UsersFile)[0].PasswordHash));
    }

    [Fact]
    public void Passwd_ExistingUser_ChangesPasswordAndKeepsRoles()
    {
        Run("old\n", "add", "alice", "--role", "nurse");

        var (code, _, _) = Run("new\n", "passwd", "alice", "--password-stdin");

        Assert.Equal(BrokerExitCodes.Ok, code);
        StoredUser alice = UserStore.Load(UsersFile)[0];
        Assert.True(PasswordHasher.Verify("new"u8, alice.PasswordHash));
        Assert.False(PasswordHasher.Verify("old"u8, alice.PasswordHash));
        Assert.Equal(["nurse"], alice.Roles);
    }

    [Theory]
    [InlineData("passwd")]
    [InlineData("remove")]
    public void PasswdOrRemove_UnknownUser_ExitCode2(string action)
    {
        Run("pw\n", "add", "alice");

        var (code, _, error) = Run("pw\n", action, "mallory");

        Assert.Equal(BrokerExitCodes.BadConfiguration, code);
        Assert.Contains("no user 'mallory'", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Remove_ExistingUser_RemovesOnlyThatUser()
    {
        Run("pw\n", "add", "alice");
        Run("pw\n", "add", "bob");

        var (code, _, _) = Run(string.Empty, "remove", "alice");

        Assert.Equal(BrokerExitCodes.Ok, code);
        Assert.Equal(["bob"], UserStore.Load(UsersFile).Select(u => u.Name));
    }

    [Theory]
    [InlineData("--role", "bad role")]
    [InlineData("--role", "-leading-dash")]
    [InlineData("--attr", "facility")]
    [InlineData("--attr", "Facility=f1")]
    [InlineData("--attr", "unit=a/b")]
    [InlineData("--attr", "unit=+")]
    [InlineData("--attr", "unit=")]
    public void Add_BadRoleOrAttribute_ExitCode2AndWritesNothing(string option, string value)
    {
        var (code, _, error) = Run("pw\n", "add", "alice", option, value);

        Assert.Equal(BrokerExitCodes.BadConfiguration, code);
        Assert.StartsWith("mqtthealth-broker users: invalid", error, StringComparison.Ordinal);
        Assert.False(File.Exists(UsersFile));
    }

    [Theory]
    [InlineData(new[] { "add", "alice", "--bogus" }, "unknown option '--bogus'")]
    [InlineData(new[] { "add" }, "needs exactly one user name")]
    [InlineData(new[] { "list", "alice" }, "takes no user name")]
    [InlineData(new[] { "frobnicate", "alice" }, "unknown action")]
    [InlineData(new[] { "remove", "alice", "--role", "x" }, "apply to 'users add' only")]
    [InlineData(new string[0], "missing action")]
    public void Run_BadUsage_ExitCode2WithOneLine(string[] args, string expected)
    {
        var (code, _, error) = Run("pw\n", args);

        Assert.Equal(BrokerExitCodes.BadConfiguration, code);
        Assert.Contains(expected, error, StringComparison.Ordinal);
        Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public void Add_EmptyPassword_ExitCode2()
    {
        var (code, _, error) = Run("\n", "add", "alice");

        Assert.Equal(BrokerExitCodes.BadConfiguration, code);
        Assert.Contains("must not be empty", error, StringComparison.Ordinal);
        Assert.False(File.Exists(UsersFile));
    }

    [Fact]
    public void Run_CorruptUsersFile_ExitCode2NamingTheFile()
    {
        File.WriteAllText(UsersFile, "{ nope");

        var (code, _, error) = Run(string.Empty, "list");

        Assert.Equal(BrokerExitCodes.BadConfiguration, code);
        Assert.Contains(UsersFile, error, StringComparison.Ordinal);
    }

    [Fact]
    public void Add_UsersFileOption_WritesThere()
    {
        string elsewhere = Path.Combine(_data.Path, "sub", "people.json");

        var (code, _, _) = Run("pw\n", "add", "alice", "--Broker:Security:UsersFile", elsewhere);

        Assert.Equal(BrokerExitCodes.Ok, code);
        Assert.Equal("alice", UserStore.Load(elsewhere)[0].Name);
        Assert.False(File.Exists(UsersFile));
    }

    [Fact]
    public void Help_PrintsUsageAndExitCode0()
    {
        var (code, output, _) = Run(string.Empty, "--help");

        Assert.Equal(BrokerExitCodes.Ok, code);
        Assert.Contains("users add NAME", output, StringComparison.Ordinal);
    }

    [Fact]
    public void CommandLine_UsersVerb_HandsTheRestToTheVerb()
    {
        BrokerCommandLine line = BrokerCommandLine.Parse(["users", "add", "alice", "--role", "nurse", "--data", "/x"]);

        Assert.Null(line.Error);
        Assert.Equal(BrokerCommand.Users, line.Command);
        Assert.Equal(["add", "alice", "--role", "nurse", "--data", "/x"], line.VerbArguments);
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
