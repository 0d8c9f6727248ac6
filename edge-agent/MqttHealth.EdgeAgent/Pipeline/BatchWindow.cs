using MqttHealth.EdgeAgent.Options;

namespace MqttHealth.EdgeAgent.Pipeline;

/// <summary>
/// How long vitals wait to be consolidated: <c>MinWindow</c> while the link keeps up, <c>MaxWindow</c> while it is down,
/// and in between it doubles while the queued vitals exceed <c>BacklogThreshold</c> (the link is behind) and halves
/// while none are queued. Alarms never wait: they do not go through the window.
/// </summary>
public sealed class BatchWindow
{
    /// <summary>The first step up from a zero window.</summary>
    public static readonly TimeSpan FirstStep = TimeSpan.FromMilliseconds(500);

    private readonly BatchingOptions _options;
    private long _ticks;

    public BatchWindow(BatchingOptions options)
    {
        _options = options;
        _ticks = options.MinWindow.Ticks;
    }

    public TimeSpan Current => TimeSpan.FromTicks(Interlocked.Read(ref _ticks));

    /// <summary>Adapts to the link: <paramref name="connected"/> and how many vitals messages wait in the outbox.</summary>
    public TimeSpan Update(bool connected, long queuedVitalsMessages)
    {
        TimeSpan current = Current;
        TimeSpan next;
        if (!connected)
        {
            next = _options.MaxWindow;
        }
        else if (queuedVitalsMessages > _options.BacklogThreshold)
        {
            next = current < FirstStep ? FirstStep : current * 2;
        }
        else if (queuedVitalsMessages == 0)
        {
            next = current / 2 < FirstStep ? _options.MinWindow : current / 2;
        }
        else
        {
            next = current;
        }

        next = next > _options.MaxWindow ? _options.MaxWindow : next < _options.MinWindow ? _options.MinWindow : next;
        Interlocked.Exchange(ref _ticks, next.Ticks);
        return next;
    }
}
