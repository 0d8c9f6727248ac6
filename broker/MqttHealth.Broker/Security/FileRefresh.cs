namespace MqttHealth.Broker.Security;

/// <summary>What a <see cref="ReloadableFile{T, TError}.Refresh"/> (the users file, the client CRL file, the JWKS file) found.</summary>
public enum FileRefresh
{
    /// <summary>The file has not changed since it was last read (or since a rewrite that failed to read).</summary>
    Unchanged,

    /// <summary>The file changed and its new content is in use.</summary>
    Reloaded,

    /// <summary>The file changed but cannot be used: the last good content stays in use.</summary>
    Failed,
}
