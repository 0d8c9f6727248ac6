namespace MqttHealth.Broker.Interop.Tests.Infrastructure;

/// <summary>
/// Bounds for every wait on a third-party client. Generous, because a loaded CI machine starts python and node
/// slowly; they bound failures, never successes (a passing test waits only as long as the traffic takes).
/// </summary>
public static class InteropTimeouts
{
    /// <summary>What the client scripts and mosquitto_sub -W are given for their own waits.</summary>
    public static readonly TimeSpan Client = TimeSpan.FromSeconds(25);

    /// <summary>What the test waits for a client before killing it and failing (a little beyond <see cref="Client"/>).</summary>
    public static readonly TimeSpan Test = TimeSpan.FromSeconds(35);
}
