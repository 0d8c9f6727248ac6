namespace MqttHealth.EdgeAgent.Pipeline;

/// <summary>An auto-reset wake-up between two loops: <see cref="Set"/> any number of times, <see cref="WaitAsync"/> returns once.</summary>
public sealed class WakeSignal
{
    private readonly Lock _sync = new();
    private TaskCompletionSource _tcs = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public void Set()
    {
        lock (_sync)
        {
            _tcs.TrySetResult();
        }
    }

    /// <summary>Completes when set (since the last wait returned) or after <paramref name="timeout"/>; resets.</summary>
    public async Task WaitAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        Task wait;
        lock (_sync)
        {
            wait = _tcs.Task;
        }

        try
        {
            await wait.WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // a periodic wake-up
        }

        lock (_sync)
        {
            if (_tcs.Task.IsCompleted)
            {
                _tcs = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }
        }
    }
}
