namespace MqttHealth.Broker.Security.Authentication;

/// <summary>What <see cref="UserStore.Refresh"/> found.</summary>
public enum UserStoreRefresh
{
    /// <summary>The file has not changed since it was last read (or since a rewrite that failed to read).</summary>
    Unchanged,

    /// <summary>The file changed and the new set of users is in use.</summary>
    Reloaded,

    /// <summary>The file changed but is not valid: the last good set stays in use.</summary>
    Failed,
}
