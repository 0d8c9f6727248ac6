using MqttHealth.Broker.Security;
using MqttHealth.Broker.Security.Authentication;
using MqttHealth.Broker.Tests.Infrastructure;

namespace MqttHealth.Broker.Tests.Security.Authentication;

public sealed class UserStoreTests : IDisposable
{
    private static readonly PasswordHasher Hasher = new(iterations: 100);
    private readonly TempDataDirectory _directory = new();

    private string UsersFile => Path.Combine(_directory.Path, "users.json");

    public void Dispose() => _directory.Dispose();

    [Fact]
    public void Open_MissingFile_HasNoUsers()
    {
        var store = UserStore.Open(UsersFile);

        Assert.Empty(store.Users);
        Assert.Null(store.Find("alice"));
    }

    [Fact]
    public void Save_ThenOpen_RoundTripsNamesRolesAndAttributes()
    {
        UserStore.Save(UsersFile, [User("alice", ["nurse", "viewer"], ("facility", "f1"), ("unit", "icu-2")), User("bob")]);

        var store = UserStore.Open(UsersFile);

        Assert.Equal(["alice", "bob"], store.Users.Select(u => u.Name));
        StoredUser alice = store.Find("alice")!;
        Assert.Equal(["nurse", "viewer"], alice.Roles);
        Assert.Equal("icu-2", alice.Attributes["unit"]);
        Principal principal = alice.ToPrincipal();
        Assert.Equal(PrincipalKind.Password, principal.Kind);
        Assert.True(principal.HasRole("nurse"));
        Assert.Equal("f1", principal.Attributes["facility"]);
        Assert.Null(store.Find("ALICE")); // user names are case-sensitive, as MQTT strings are
    }

    [Fact]
    public void Save_LeavesNoTemporaryFileAndOwnerOnlyMode()
    {
        UserStore.Save(UsersFile, [User("alice")]);
        UserStore.Save(UsersFile, [User("alice"), User("bob")]);

        Assert.Equal(["users.json"], Directory.GetFiles(_directory.Path).Select(Path.GetFileName));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(UsersFile));
        }
    }

    [Fact]
    public void Save_InvalidUser_WritesNothing()
    {
        UserStore.Save(UsersFile, [User("alice")]);
        string before = File.ReadAllText(UsersFile);

        Assert.Throws<FormatException>(() => UserStore.Save(UsersFile, [User("alice"), User("alice")]));

        Assert.Equal(before, File.ReadAllText(UsersFile));
        Assert.Single(Directory.GetFiles(_directory.Path));
    }

    [Fact]
    public void Refresh_FileRewritten_LoadsNewUsers()
    {
        UserStore.Save(UsersFile, [User("alice")]);
        var store = UserStore.Open(UsersFile);

        UserStore.Save(UsersFile, [User("alice"), User("carol")]);
        TouchForward(UsersFile);

        Assert.Equal(FileRefresh.Reloaded, store.Refresh());
        Assert.NotNull(store.Find("carol"));
        Assert.Equal(FileRefresh.Unchanged, store.Refresh());
    }

    [Fact]
    public void Refresh_CorruptRewrite_KeepsLastGoodUsersAndReportsOnce()
    {
        UserStore.Save(UsersFile, [User("alice")]);
        var store = UserStore.Open(UsersFile);

        File.WriteAllText(UsersFile, "{ \"users\": [ { \"name\": \"alice\", ");
        TouchForward(UsersFile);

        Assert.Equal(FileRefresh.Failed, store.Refresh());
        Assert.Contains(UsersFile, store.LastError, StringComparison.Ordinal);
        Assert.NotNull(store.Find("alice"));
        Assert.Equal(FileRefresh.Unchanged, store.Refresh()); // the same bad file is not re-read and re-reported

        UserStore.Save(UsersFile, [User("bob")]);
        TouchForward(UsersFile);
        Assert.Equal(FileRefresh.Reloaded, store.Refresh());
        Assert.Null(store.Find("alice"));
        Assert.Null(store.LastError);
    }

    [Theory]
    [InlineData("not json at all", "not valid JSON")]
    [InlineData("[]", "top level")]
    [InlineData("{\"users\": [], \"extra\": 1}", "unknown property")]
    [InlineData("{\"users\": [{\"name\": \"a\"}]}", "\"hash\"")]
    [InlineData("{\"users\": [{\"name\": \"a\", \"hash\": \"plain-text\"}]}", "user 'a'")]
    [InlineData("{\"users\": [{\"name\": \"a\", \"hash\": \"HASH\", \"roles\": [\"bad role\"]}]}", "invalid role")]
    [InlineData("{\"users\": [{\"name\": \"a\", \"hash\": \"HASH\", \"attributes\": {\"Facility\": \"x\"}}]}", "invalid attribute name")]
    [InlineData("{\"users\": [{\"name\": \"a\", \"hash\": \"HASH\", \"attributes\": {\"unit\": \"a/#\"}}]}", "invalid value")]
    [InlineData("{\"users\": [{\"name\": \"a\", \"hash\": \"HASH\"}, {\"name\": \"a\", \"hash\": \"HASH\"}]}", "twice")]
    public void Open_InvalidFile_ThrowsOneLineNamingTheFile(string content, string expected)
    {
        string hash = Hasher.Hash("x"u8);
        File.WriteAllText(UsersFile, content.Replace("HASH", hash, StringComparison.Ordinal));

        var ex = Assert.Throws<UserStoreException>(() => UserStore.Open(UsersFile));

        Assert.Contains(UsersFile, ex.Message, StringComparison.Ordinal);
        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', ex.Message);
        Assert.DoesNotContain(hash.Split('$')[3], ex.Message, StringComparison.Ordinal); // never echoes a hash
    }

    private static StoredUser User(string name, string[]? roles = null, params (string Key, string Value)[] attributes) =>
        new(name, Hasher.Hash("secret"u8), roles ?? [], attributes.ToDictionary(a => a.Key, a => a.Value, StringComparer.Ordinal));

    // File systems with coarse timestamps could give a rewrite the same last-write time; the test makes it differ.
    private static void TouchForward(string path) => File.SetLastWriteTimeUtc(path, File.GetLastWriteTimeUtc(path).AddSeconds(2));
}
