using MqttHealth.Bench.Load.Brokers;

namespace MqttHealth.Bench.Load.Idle;

/// <summary>What one idle-connection measurement (<see cref="IdleConnectionBench.RunAsync"/>) found.</summary>
/// <param name="Broker">The broker measured.</param>
/// <param name="Requested">How many idle connections were asked for.</param>
/// <param name="Established">How many completed the handshake (CONNECT answered by a successful CONNACK).</param>
/// <param name="RssBeforeBytes">The broker's VmRSS before the first connection, once it had settled.</param>
/// <param name="RssAfterBytes">The broker's VmRSS with all <paramref name="Established"/> connections open and idle, once it had settled.</param>
/// <param name="BytesPerConnection">(<paramref name="RssAfterBytes"/> − <paramref name="RssBeforeBytes"/>) / <paramref name="Established"/>; NaN when none was established.</param>
/// <param name="SetupSeconds">Wall time of the setup phase: from the first connect to the last handshake's end.</param>
/// <param name="ConnectionsPerSecond"><paramref name="Established"/> / <paramref name="SetupSeconds"/>, with <see cref="IdleConnectionBench.Parallelism"/> handshakes in flight.</param>
/// <param name="Limit">
/// Null when <paramref name="Requested"/> connections were established and stayed open; otherwise why not, exactly
/// (the descriptor limit of the broker or of the load generator, failed handshakes, connections the broker closed).
/// </param>
/// <param name="Attempted">How many handshakes were started: <paramref name="Requested"/>, or fewer when a descriptor limit capped it or the setup stopped after <see cref="IdleConnectionBench.MaxFailures"/> failures.</param>
/// <param name="Failed">Handshakes that failed (refused, reset, timed out after <see cref="IdleConnectionBench.HandshakeTimeout"/>, or a CONNACK that was not a success).</param>
/// <param name="Dropped">Established connections found closed (or sent something) by the broker when <paramref name="RssAfterBytes"/> was taken.</param>
/// <param name="SourceAddresses">How many loopback source addresses the client sockets were spread over (at most <see cref="IdleConnectionBench.ConnectionsPerAddress"/> each).</param>
/// <param name="RssSettled">
/// Whether both RSS readings settled (two samples 500 ms apart within 1%) inside <see cref="IdleConnectionBench.SettleLimit"/>;
/// false means a reading is the last sample at that bound.
/// </param>
/// <param name="TeardownSeconds">
/// After all sockets were closed, how long until the broker's open descriptors were back to their count before the
/// run (within <see cref="IdleConnectionBench.TeardownSlack"/>); null when that did not happen within <see cref="IdleConnectionBench.TeardownLimit"/>.
/// </param>
internal sealed record IdleResult(
    BrokerKind Broker,
    int Requested,
    int Established,
    long RssBeforeBytes,
    long RssAfterBytes,
    double BytesPerConnection,
    double SetupSeconds,
    double ConnectionsPerSecond,
    string? Limit,
    int Attempted,
    int Failed,
    int Dropped,
    int SourceAddresses,
    bool RssSettled,
    double? TeardownSeconds)
{
    /// <summary>True when every requested connection was established and stayed open.</summary>
    public bool Complete => Limit is null;
}
