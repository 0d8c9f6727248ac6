namespace MqttHealth.Broker.Security.Authentication.Tokens;

/// <summary>What <see cref="JsonWebKeySetFile.Refresh"/> found.</summary>
public enum JwksRefresh
{
    /// <summary>The file has not changed since it was last read (or since a change that could not be used).</summary>
    Unchanged,

    /// <summary>The file changed and its keys are in use.</summary>
    Reloaded,

    /// <summary>The file changed but cannot be used: the last good keys stay in use.</summary>
    Failed,
}
