namespace MqttHealth.Broker.Storage;

/*
 * Group commit. Connections hand operations to Enqueue and go on reading; one writer thread takes
 * everything that has queued up since its last commit, applies it in one transaction (one fsync), and
 * then tells each operation's completion, in enqueue order. While a commit is running the next batch
 * builds up, so under load many messages share one fsync and an idle broker still commits a lone message
 * at once (no timer, no added latency).
 *
 * Completions run in enqueue order on the writer thread. The engine relies on that order: a publisher's
 * PUBACKs and the deliveries they gate leave in the order the PUBLISHes arrived.
 */
public sealed partial class StoreWriter : IAsyncDisposable
{
    private readonly IBrokerStore _store;
    private readonly ILogger _logger;
    private readonly object _gate = new();
    private readonly Thread _thread;
    private List<(StoreOperation? Operation, IStoreCompletion? Completion)> _pending = [];
    private List<(StoreOperation? Operation, IStoreCompletion? Completion)> _spare = [];
    private bool _stopping;
    private long _commits;

    public StoreWriter(IBrokerStore store, ILogger<StoreWriter> logger)
    {
        _store = store;
        _logger = logger;
        _thread = new Thread(Run) { IsBackground = true, Name = "mqtthealth-store-writer" };
        _thread.Start();
    }

    /// <summary>Transactions committed so far (for tests and $SYS: messages per fsync = completed / commits).</summary>
    public long Commits => Interlocked.Read(ref _commits);

    /// <summary>
    /// Queues <paramref name="operation"/> (null: nothing to write, only keep the completion's place in
    /// the order) and tells <paramref name="completion"/> once it is durable. Never blocks.
    /// </summary>
    public void Enqueue(StoreOperation? operation, IStoreCompletion? completion = null)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_stopping, this);
            _pending.Add((operation, completion));
            Monitor.Pulse(_gate);
        }
    }

    /// <summary>Completes when everything enqueued before the call is durable (or failed).</summary>
    public Task FlushAsync()
    {
        var flushed = new FlushCompletion();
        lock (_gate)
        {
            if (_stopping)
            {
                return Task.CompletedTask;
            }

            _pending.Add((null, flushed));
            Monitor.Pulse(_gate);
        }

        return flushed.Task;
    }

    public async ValueTask DisposeAsync()
    {
        lock (_gate)
        {
            if (_stopping)
            {
                return;
            }

            _stopping = true;
            Monitor.Pulse(_gate);
        }

        await Task.Run(_thread.Join).ConfigureAwait(false);
    }

    private void Run()
    {
        var operations = new List<StoreOperation>();
        while (true)
        {
            List<(StoreOperation? Operation, IStoreCompletion? Completion)> batch;
            lock (_gate)
            {
                while (_pending.Count == 0 && !_stopping)
                {
                    Monitor.Wait(_gate);
                }

                if (_pending.Count == 0)
                {
                    return; // stopping, and everything enqueued has been written
                }

                batch = _pending;
                _pending = _spare;
                _spare = batch;
            }

            operations.Clear();
            foreach (var (operation, _) in batch)
            {
                if (operation is not null)
                {
                    operations.Add(operation);
                }
            }

            Exception? failure = null;
            if (operations.Count > 0)
            {
                try
                {
                    _store.Apply(operations);
                    Interlocked.Increment(ref _commits);
                }
#pragma warning disable CA1031 // every failure must reach the waiting completions, whatever its type
                catch (Exception ex)
#pragma warning restore CA1031
                {
                    failure = ex;
                    LogCommitFailed(_logger, ex, operations.Count);
                }
            }

            foreach (var (_, completion) in batch)
            {
                if (completion is null)
                {
                    continue;
                }

                try
                {
                    if (failure is null)
                    {
                        completion.OnDurable();
                    }
                    else
                    {
                        completion.OnFailed(failure);
                    }
                }
#pragma warning disable CA1031 // one faulty completion must not stop the writer for everyone else
                catch (Exception ex)
#pragma warning restore CA1031
                {
                    LogCompletionFailed(_logger, ex);
                }
            }

            batch.Clear();
        }
    }

    [LoggerMessage(EventId = 2001, Level = LogLevel.Critical, Message = "Storage commit of {Count} operations failed; the affected clients are told and nothing is acknowledged")]
    private static partial void LogCommitFailed(ILogger logger, Exception error, int count);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Error, Message = "A storage completion callback threw")]
    private static partial void LogCompletionFailed(ILogger logger, Exception error);

    private sealed class FlushCompletion : IStoreCompletion
    {
        private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task Task => _done.Task;

        public void OnDurable() => _done.TrySetResult();

        public void OnFailed(Exception error) => _done.TrySetException(error);
    }
}
