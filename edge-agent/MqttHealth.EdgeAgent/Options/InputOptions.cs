namespace MqttHealth.EdgeAgent.Options;

/// <summary>Where readings come from (<c>Agent:Inputs</c>): standard input, a Unix domain socket, HTTP on loopback.</summary>
public sealed class InputOptions
{
    /// <summary>Read newline-delimited JSON readings from standard input; one reply line each on standard output.</summary>
    public bool Stdin { get; set; }

    /// <summary>A Unix domain socket path for newline-delimited JSON readings; empty: off.</summary>
    public string? SocketPath { get; set; }

    /// <summary>TCP port of the HTTP input on <see cref="HttpBindAddress"/>; 0: off.</summary>
    public int HttpPort { get; set; }

    /// <summary>Loopback only: 127.0.0.1 or ::1.</summary>
    public string HttpBindAddress { get; set; } = "127.0.0.1";

    /// <summary>The largest HTTP request body (one reading, or many as NDJSON); larger is 413.</summary>
    public int HttpMaxBodyBytes { get; set; } = 4 * 1024 * 1024;

    /// <summary>The longest line on standard input or the socket; longer is refused and counted.</summary>
    public int MaxLineBytes { get; set; } = 64 * 1024;
}
