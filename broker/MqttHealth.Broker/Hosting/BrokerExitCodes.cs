namespace MqttHealth.Broker.Hosting;

/// <summary>The process exit codes (documented in docs/broker-configuration.md; scripts and tests rely on them).</summary>
public static class BrokerExitCodes
{
    /// <summary>Ran and stopped gracefully (or --help / --version).</summary>
    public const int Ok = 0;

    /// <summary>Anything unexpected, including storage not flushed within the shutdown timeout.</summary>
    public const int Failure = 1;

    /// <summary>Bad command line or configuration; nothing was started.</summary>
    public const int BadConfiguration = 2;

    /// <summary>The store refused to open (corrupt or unreadable database); nothing listens. See the recover verb.</summary>
    public const int StorageRefused = 3;

    /// <summary>A listener could not bind its address (port in use, address not on this machine, permission).</summary>
    public const int ListenFailed = 4;
}
