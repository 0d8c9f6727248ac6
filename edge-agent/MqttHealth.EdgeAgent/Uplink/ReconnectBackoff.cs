namespace MqttHealth.EdgeAgent.Uplink;

/// <summary>
/// Exponential back-off with full jitter: attempt n waits a uniform random time in [0, min(max, min·2ⁿ)], so a clinic
/// full of agents does not reconnect in lock-step after a broker restart, and no wait exceeds the maximum.
/// </summary>
public sealed class ReconnectBackoff
{
    private readonly TimeSpan _min;
    private readonly TimeSpan _max;
    private readonly Func<double> _random;

    public ReconnectBackoff(TimeSpan min, TimeSpan max, Func<double>? random = null)
    {
        _min = min;
        _max = max;
        _random = random ?? Random.Shared.NextDouble;
    }

    /// <summary>The upper bound of attempt <paramref name="attempt"/> (0-based).</summary>
    public TimeSpan Ceiling(int attempt)
    {
        double ticks = _min.Ticks * Math.Pow(2, Math.Min(attempt, 40));
        return ticks >= _max.Ticks ? _max : TimeSpan.FromTicks((long)ticks);
    }

    /// <summary>The wait before attempt <paramref name="attempt"/>.</summary>
    public TimeSpan Delay(int attempt) => TimeSpan.FromTicks((long)(Ceiling(attempt).Ticks * _random()));
}
