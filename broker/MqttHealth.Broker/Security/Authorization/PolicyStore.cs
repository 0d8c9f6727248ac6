namespace MqttHealth.Broker.Security.Authorization;

/// <summary>
/// Holds the current policy and its version, and replaces both in one step on a reload. A new file is parsed
/// completely before anything changes; a bad file leaves the current policy in force and reports why.
/// Readers take <see cref="Current"/> once and use that snapshot, so policy and version always agree.
/// </summary>
public sealed class PolicyStore
{
    private readonly Lock _reloadLock = new();
    private PolicySnapshot _current;

    public PolicyStore(AuthorizationPolicy initial)
    {
        _current = new PolicySnapshot(initial, 1);
    }

    /// <summary>The policy in force and its version (1 for the first, one more per successful reload).</summary>
    public PolicySnapshot Current => Volatile.Read(ref _current);

    /// <summary>Loads the first policy; throws <see cref="PolicyException"/> on a bad file (the broker exits with code 2).</summary>
    public static PolicyStore Load(string path) => new(AuthorizationPolicy.Load(path));

    /// <summary>
    /// Parses <paramref name="path"/> and, only if it is valid, makes it the current policy with the next
    /// version. On an error the current policy stays and <paramref name="error"/> says what is wrong.
    /// </summary>
    public bool TryReload(string path, out PolicySnapshot snapshot, out string? error)
    {
        AuthorizationPolicy policy;
        try
        {
            policy = AuthorizationPolicy.Load(path);
        }
        catch (PolicyException e)
        {
            snapshot = Current;
            error = e.Message;
            return false;
        }

        snapshot = Replace(policy);
        error = null;
        return true;
    }

    /// <summary>Makes an already parsed policy current, with the next version.</summary>
    public PolicySnapshot Replace(AuthorizationPolicy policy)
    {
        lock (_reloadLock)
        {
            var next = new PolicySnapshot(policy, _current.Version + 1);
            Volatile.Write(ref _current, next);
            return next;
        }
    }
}
