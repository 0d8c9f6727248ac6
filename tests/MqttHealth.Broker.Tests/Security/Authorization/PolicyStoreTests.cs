using MqttHealth.Broker.Security.Authorization;

namespace MqttHealth.Broker.Tests.Security.Authorization;

/// <summary>A reload replaces policy and version together, and only with a file that parsed completely.</summary>
public sealed class PolicyStoreTests : IDisposable
{
    private const string AllowA = """{ "roles": { "r": { "rules": [ { "effect": "allow", "actions": ["publish"], "topics": ["a"] } ] } } }""";
    private const string AllowB = """{ "roles": { "r": { "rules": [ { "effect": "allow", "actions": ["publish"], "topics": ["b"] } ] } } }""";

    private readonly string _directory = Directory.CreateTempSubdirectory("mh-authz-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void TryReload_ValidFile_SwapsPolicyAndIncrementsVersion()
    {
        string path = Write(AllowA);
        PolicyStore store = PolicyStore.Load(path);
        Assert.Equal(1, store.Current.Version);
        Assert.True(Allows(store.Current.Policy, "a"));

        File.WriteAllText(path, AllowB);
        Assert.True(store.TryReload(path, out PolicySnapshot snapshot, out string? error));
        Assert.Null(error);
        Assert.Equal(2, snapshot.Version);
        Assert.Same(snapshot, store.Current);
        Assert.False(Allows(store.Current.Policy, "a"));
        Assert.True(Allows(store.Current.Policy, "b"));
    }

    [Fact]
    public void TryReload_BadFile_KeepsOldPolicyAndReportsError()
    {
        string path = Write(AllowA);
        PolicyStore store = PolicyStore.Load(path);
        PolicySnapshot before = store.Current;

        File.WriteAllText(path, AllowB.Replace("\"publish\"", "\"publish\", \"read\"", StringComparison.Ordinal));
        Assert.False(store.TryReload(path, out PolicySnapshot snapshot, out string? error));
        Assert.Same(before, snapshot);
        Assert.Same(before, store.Current);
        Assert.Contains("$.roles.r.rules[0].actions[1]", error, StringComparison.Ordinal);
        Assert.Contains("unknown action \"read\"", error, StringComparison.Ordinal);
        Assert.True(Allows(store.Current.Policy, "a"));

        Assert.False(store.TryReload(Path.Combine(_directory, "missing.json"), out _, out error));
        Assert.Contains("cannot be read", error, StringComparison.Ordinal);
        Assert.Equal(1, store.Current.Version);
    }

    [Fact]
    public void Load_BadFile_Throws() =>
        Assert.Throws<PolicyException>(() => PolicyStore.Load(Write("""{ "roles": 1 }""")));

    [Fact]
    public async Task Replace_Concurrent_VersionsAreUniqueAndTheLastOneIsCurrent()
    {
        var store = new PolicyStore(AuthorizationPolicy.Parse(AllowA));
        AuthorizationPolicy next = AuthorizationPolicy.Parse(AllowB);
        long[][] versions = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() =>
            Enumerable.Range(0, 250).Select(_ => store.Replace(next).Version).ToArray())));
        long[] all = versions.SelectMany(v => v).Order().ToArray();
        Assert.Equal(Enumerable.Range(2, 1000).Select(v => (long)v), all);
        Assert.Equal(1001, store.Current.Version);
    }

    private static bool Allows(AuthorizationPolicy policy, string topic) =>
        policy.Authorize(Policies.WithRoles("p", "r"), "c", TopicAction.Publish, topic).Allowed;

    private string Write(string json)
    {
        string path = Path.Combine(_directory, "policy.json");
        File.WriteAllText(path, json);
        return path;
    }
}
