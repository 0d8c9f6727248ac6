namespace MqttHealth.Broker.Hosting;

/// <summary>The broker's life as the hosting sees it: for /healthz, $SYS uptime and the exit code.</summary>
public sealed class BrokerStatus
{
    private readonly TimeProvider _timeProvider;
    private int _state;
    private long _startedTimestamp;
    private int _stopTimedOut;

    public BrokerStatus(TimeProvider timeProvider)
    {
        _timeProvider = timeProvider ?? throw new ArgumentNullException(nameof(timeProvider));
    }

    public BrokerState State => (BrokerState)Volatile.Read(ref _state);

    /// <summary>Time since the store was loaded; zero before.</summary>
    public TimeSpan Uptime =>
        State == BrokerState.Starting ? TimeSpan.Zero : _timeProvider.GetElapsedTime(Interlocked.Read(ref _startedTimestamp));

    /// <summary>True when storage did not report flushed within the shutdown timeout.</summary>
    public bool StopTimedOut => Volatile.Read(ref _stopTimedOut) != 0;

    public void MarkRunning()
    {
        Interlocked.Exchange(ref _startedTimestamp, _timeProvider.GetTimestamp());
        Volatile.Write(ref _state, (int)BrokerState.Running);
    }

    /// <summary>Moves Running to Stopping; false if the broker never ran (nothing to shut down).</summary>
    public bool TryMarkStopping() =>
        Interlocked.CompareExchange(ref _state, (int)BrokerState.Stopping, (int)BrokerState.Running) == (int)BrokerState.Running;

    public void MarkStopped(bool timedOut)
    {
        Volatile.Write(ref _stopTimedOut, timedOut ? 1 : 0);
        Volatile.Write(ref _state, (int)BrokerState.Stopped);
    }
}
