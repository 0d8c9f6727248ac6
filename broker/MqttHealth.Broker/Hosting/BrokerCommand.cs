namespace MqttHealth.Broker.Hosting;

/// <summary>What the command line asks the executable to do.</summary>
public enum BrokerCommand
{
    /// <summary>Run the broker (no verb).</summary>
    Run = 0,

    /// <summary><c>recover --data DIR</c>: repair the SQLite store offline.</summary>
    Recover = 1,

    /// <summary><c>--help</c>: print usage and exit 0.</summary>
    Help = 2,

    /// <summary><c>--version</c>: print the version and exit 0.</summary>
    Version = 3,

    /// <summary><c>users add|passwd|remove|list ...</c>: manage the users file (<see cref="UsersCommand"/>).</summary>
    Users = 4,

    /// <summary><c>audit verify|export ...</c>: check or export the audit trail (<see cref="AuditVerb"/>).</summary>
    Audit = 5,

    /// <summary><c>breakglass list|review ...</c>: the emergency grants and their review (<see cref="BreakGlassVerb"/>).</summary>
    BreakGlass = 6,
}
