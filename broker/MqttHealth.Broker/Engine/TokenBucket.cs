namespace MqttHealth.Broker.Engine;

/// <summary>
/// A token bucket for one client's rate: <c>rate</c> tokens a second, holding at most one second's worth (so a
/// client may burst to its rate, then keeps to it). Not thread-safe: used under the engine lock. Times are
/// <see cref="TimeProvider.GetTimestamp"/> ticks, so a test's manual clock drives it.
/// </summary>
internal sealed class TokenBucket
{
    private readonly double _rate;
    private readonly double _ticksPerSecond;
    private double _tokens;
    private long _last;

    public TokenBucket(double ratePerSecond, long now, long ticksPerSecond)
    {
        _rate = ratePerSecond;
        _tokens = ratePerSecond;
        _last = now;
        _ticksPerSecond = ticksPerSecond;
    }

    /// <summary>Takes <paramref name="amount"/> tokens if the bucket holds them after refilling to <paramref name="now"/>.</summary>
    public bool TryTake(double amount, long now)
    {
        if (now > _last)
        {
            _tokens = Math.Min(_rate, _tokens + ((now - _last) / _ticksPerSecond * _rate));
            _last = now;
        }

        if (_tokens < amount)
        {
            return false;
        }

        _tokens -= amount;
        return true;
    }
}
