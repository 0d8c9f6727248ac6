namespace MqttHealth.Broker.Testing;

/// <summary>How <see cref="BrokerProcess"/> starts the broker. The defaults suit most tests.</summary>
public sealed class BrokerProcessOptions
{
    /// <summary><c>--storage memory</c> instead of the default SQLite database in the data directory.</summary>
    public bool InMemoryStorage { get; init; }

    /// <summary><c>--allow-anonymous</c>; on by default because interop clients connect without credentials.</summary>
    public bool AllowAnonymous { get; init; } = true;

    /// <summary>Appended after the standard arguments, e.g. <c>--Broker:MaxQueuedMessages=10</c>.</summary>
    public IReadOnlyList<string> ExtraArguments { get; init; } = [];

    /// <summary>Extra environment variables for the broker process (a null value removes a variable).</summary>
    public IReadOnlyDictionary<string, string?> Environment { get; init; } = new Dictionary<string, string?>();

    /// <summary>The <c>mqtthealth-broker.dll</c> to run; null: the one in the test output directory (<see cref="BrokerProcess.BrokerAssemblyPath"/>).</summary>
    public string? AssemblyPath { get; init; }

    /// <summary>False turns the TLS and WebSocket listeners off (<c>--tls-port 0 --ws-port 0</c>), as the benchmarks do.</summary>
    public bool TlsAndWebSocket { get; init; } = true;

    /// <summary>Fixed ports instead of free ones (no retry on "address already in use" then).</summary>
    public BrokerPorts? Ports { get; init; }

    /// <summary>Called with the fresh data directory before the first start, e.g. to plant a damaged database.</summary>
    public Action<string>? PrepareDataDirectory { get; init; }

    /// <summary>Upper bound for /healthz to answer 200 after the process starts.</summary>
    public TimeSpan ReadyTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Replaces <c>dotnet mqtthealth-broker.dll</c> with another program (its arguments are used as given, the
    /// broker's are not added): only for testing this infrastructure's own failure paths.
    /// </summary>
    public (string FileName, IReadOnlyList<string> Arguments)? CommandOverride { get; init; }
}
