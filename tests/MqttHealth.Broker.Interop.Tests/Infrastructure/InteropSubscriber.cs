namespace MqttHealth.Broker.Interop.Tests.Infrastructure;

/// <summary>
/// A running third-party subscriber. The client adapter turns its output lines into <see cref="OnConnected"/>,
/// <see cref="OnSubscribed"/> and <see cref="OnMessage"/> calls; tests wait on those through task completion
/// sources, each wait bounded and ended early (with the client's output) if the client exits.
/// </summary>
public sealed class InteropSubscriber : IAsyncDisposable
{
    private readonly Lock _gate = new();
    private readonly List<ReceivedMessage> _messages = [];
    private readonly List<(int Count, TaskCompletionSource Completion)> _countWaiters = [];
    private readonly TaskCompletionSource _connected = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _subscribed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private ClientProcess? _process;

    public InteropSubscriber(string clientName)
    {
        ClientName = clientName;
    }

    public string ClientName { get; }

    /// <summary>Raised for every message, on the output reader's thread (for waits across several subscribers).</summary>
    public event Action<ReceivedMessage>? MessageArrived;

    /// <summary>Session Present from CONNACK, when the client reports it (mosquitto_sub does not).</summary>
    public bool? SessionPresent { get; private set; }

    /// <summary>Granted QoS / reason codes from SUBACK.</summary>
    public IReadOnlyList<int> Granted { get; private set; } = [];

    public IReadOnlyList<ReceivedMessage> Messages
    {
        get
        {
            lock (_gate)
            {
                return _messages.ToArray();
            }
        }
    }

    private ClientProcess Process => _process ?? throw new InvalidOperationException("Not started.");

    /// <summary>Starts the client process; <paramref name="onLine"/> (the adapter's parser) sees each stdout line.</summary>
    public void Start(string fileName, IReadOnlyList<string> arguments, string? workingDirectory, Action<InteropSubscriber, string> onLine)
    {
        _process = ClientProcess.Start(fileName, arguments, line => onLine(this, line), workingDirectory);
    }

    public void OnConnected(bool? sessionPresent)
    {
        SessionPresent = sessionPresent;
        _connected.TrySetResult();
    }

    public void OnSubscribed(IReadOnlyList<int> granted)
    {
        Granted = granted;
        _subscribed.TrySetResult();
    }

    public void OnMessage(ReceivedMessage message)
    {
        List<TaskCompletionSource>? reached = null;
        lock (_gate)
        {
            _messages.Add(message);
            for (int i = _countWaiters.Count - 1; i >= 0; i--)
            {
                if (_messages.Count >= _countWaiters[i].Count)
                {
                    (reached ??= []).Add(_countWaiters[i].Completion);
                    _countWaiters.RemoveAt(i);
                }
            }
        }

        reached?.ForEach(c => c.TrySetResult());
        MessageArrived?.Invoke(message);
    }

    /// <summary>Waits for CONNACK (and SUBACK when <paramref name="subscribed"/>); fails if the client exits first.</summary>
    public Task WaitUntilReadyAsync(bool subscribed, TimeSpan timeout) =>
        WaitOrExitAsync(
            subscribed ? Task.WhenAll(_connected.Task, _subscribed.Task) : _connected.Task,
            () => _connected.Task.IsCompleted && (!subscribed || _subscribed.Task.IsCompleted),
            timeout,
            subscribed ? "SUBACK" : "CONNACK");

    /// <summary>Waits until at least <paramref name="count"/> messages have arrived.</summary>
    public Task WaitForMessagesAsync(int count, TimeSpan timeout)
    {
        var completion = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            if (_messages.Count >= count)
            {
                return Task.CompletedTask;
            }

            _countWaiters.Add((count, completion));
        }

        return WaitOrExitAsync(completion.Task, () => Messages.Count >= count, timeout, $"{count} message(s)");
    }

    /// <summary>
    /// Waits for the client to exit on its own (expected count reached); requires exit code 0. On failure the
    /// message also carries <paramref name="context"/> (e.g. the publisher's output and the broker's log lines).
    /// </summary>
    public async Task<IReadOnlyList<ReceivedMessage>> CompleteAsync(TimeSpan timeout, Func<string>? context = null)
    {
        int exitCode = await Process.WaitForExitAsync(timeout);
        if (exitCode != 0)
        {
            throw new InvalidOperationException(
                $"{ClientName} subscriber exited with code {exitCode}." + Environment.NewLine + Process.Describe() + context?.Invoke());
        }

        return Messages;
    }

    /// <summary>Kills the client (SIGKILL) and returns what it received.</summary>
    public IReadOnlyList<ReceivedMessage> Kill()
    {
        Process.Kill();
        return Messages;
    }

    public string Describe() => Process.Describe();

    public async ValueTask DisposeAsync()
    {
        if (_process is not null)
        {
            await _process.DisposeAsync();
        }
    }

    /// <summary>
    /// Waits for <paramref name="awaited"/> or the client's exit. <paramref name="reached"/> reads the state
    /// directly: lines are handled before the exit is observed, but continuations of <paramref name="awaited"/>
    /// may still be queued when the exit wins the race.
    /// </summary>
    private async Task WaitOrExitAsync(Task awaited, Func<bool> reached, TimeSpan timeout, string what)
    {
        Task exited = Process.Exited;
        Task first;
        try
        {
            first = await Task.WhenAny(awaited, exited).WaitAsync(timeout);
        }
        catch (TimeoutException ex)
        {
            throw new TimeoutException(
                $"{ClientName} subscriber: no {what} within {timeout.TotalSeconds:0.#} s (received {Messages.Count})." + Environment.NewLine + Process.Describe(), ex);
        }

        if (first != awaited && !reached())
        {
            throw new InvalidOperationException(
                $"{ClientName} subscriber exited before {what} (received {Messages.Count})." + Environment.NewLine + Process.Describe());
        }
    }
}
