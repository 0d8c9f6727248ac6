namespace MqttHealth.Broker.Testing;

/// <summary>
/// The broker process exited during start-up or did not become ready in time. The message carries the exit
/// code (if it exited) and everything the process wrote to stdout and stderr, so a failing test shows why.
/// </summary>
public sealed class BrokerStartException : Exception
{
    public BrokerStartException()
    {
    }

    public BrokerStartException(string message)
        : base(message)
    {
    }

    public BrokerStartException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public BrokerStartException(string message, int? exitCode, string output)
        : base(message + Environment.NewLine + "--- broker output ---" + Environment.NewLine + output)
    {
        ExitCode = exitCode;
        Output = output;
    }

    /// <summary>The process's exit code, or null when it was still running (readiness timed out).</summary>
    public int? ExitCode { get; }

    /// <summary>The captured stdout/stderr lines, stderr lines prefixed with <c>[stderr]</c>.</summary>
    public string Output { get; } = string.Empty;

    /// <summary>Whether start-up failed because a port was taken (worth a retry with fresh ports).</summary>
    public bool PortInUse => Output.Contains("address already in use", StringComparison.OrdinalIgnoreCase);
}
