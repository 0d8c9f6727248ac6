namespace MqttHealth.Broker.Security.Authentication;

/// <summary>What <see cref="CertificateRevocationStore.Refresh"/> found.</summary>
public enum CrlRefresh
{
    /// <summary>The file has not changed since it was last read (or since a rewrite that failed to read).</summary>
    Unchanged,

    /// <summary>The file changed and the new CRLs are in force.</summary>
    Reloaded,

    /// <summary>The file changed but cannot be used: the last good CRLs stay in force.</summary>
    Failed,
}
