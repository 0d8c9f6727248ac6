using System.Text;

namespace MqttHealth.Broker.Testing;

/// <summary>
/// The lines one broker process wrote to stdout and stderr: the last <see cref="Capacity"/> of them (a ring
/// buffer, so a chatty broker cannot exhaust memory) plus waiters for a line matching a predicate. Waiters
/// are completed by the line itself (a <see cref="TaskCompletionSource{TResult}"/>, no polling) and fail as
/// soon as both streams end, i.e. when the process has exited without writing the line.
/// </summary>
public sealed class BrokerOutput
{
    public const int DefaultCapacity = 4000;

    private readonly Lock _gate = new();
    private readonly Queue<(bool IsError, string Text)> _lines = new();
    private readonly List<(Func<string, bool> Predicate, TaskCompletionSource<string> Completion)> _waiters = [];
    private int _openStreams = 2;

    public BrokerOutput(int capacity = DefaultCapacity)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        Capacity = capacity;
    }

    public int Capacity { get; }

    /// <summary>Lines seen in total, including those the ring buffer has dropped.</summary>
    public long TotalLines { get; private set; }

    /// <summary>Whether both stdout and stderr have ended (the process has exited and its pipes are drained).</summary>
    public bool Completed
    {
        get
        {
            lock (_gate)
            {
                return _openStreams == 0;
            }
        }
    }

    /// <summary>A snapshot of the retained lines, oldest first, without stream markers.</summary>
    public IReadOnlyList<string> Lines
    {
        get
        {
            lock (_gate)
            {
                return _lines.Select(l => l.Text).ToArray();
            }
        }
    }

    /// <summary>
    /// Waits for a line matching <paramref name="predicate"/>: one already retained counts, otherwise the next
    /// one written. Throws <see cref="TimeoutException"/> (with the output) after <paramref name="timeout"/>,
    /// or <see cref="InvalidOperationException"/> when the process's output ends first.
    /// </summary>
    public async Task<string> WaitForLineAsync(Func<string, bool> predicate, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(predicate);
        var completion = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            foreach ((bool _, string text) in _lines)
            {
                if (predicate(text))
                {
                    return text;
                }
            }

            if (_openStreams == 0)
            {
                throw new InvalidOperationException("The broker's output has ended without a matching line." + Environment.NewLine + Dump());
            }

            _waiters.Add((predicate, completion));
        }

        try
        {
            return await completion.Task.WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException ex)
        {
            throw new TimeoutException($"No matching broker output line within {timeout.TotalSeconds:0.#} s." + Environment.NewLine + ToString(), ex);
        }
        finally
        {
            lock (_gate)
            {
                _waiters.RemoveAll(w => w.Completion == completion);
            }
        }
    }

    /// <summary>Shorthand for a line containing <paramref name="fragment"/> (ordinal).</summary>
    public Task<string> WaitForLineContainingAsync(string fragment, TimeSpan timeout, CancellationToken cancellationToken = default) =>
        WaitForLineAsync(line => line.Contains(fragment, StringComparison.Ordinal), timeout, cancellationToken);

    /// <summary>All retained lines, stderr lines prefixed with <c>[stderr]</c>: for failure messages.</summary>
    public override string ToString()
    {
        lock (_gate)
        {
            return Dump();
        }
    }

    internal void Append(string line, bool isError)
    {
        List<TaskCompletionSource<string>>? matched = null;
        lock (_gate)
        {
            TotalLines++;
            _lines.Enqueue((isError, line));
            if (_lines.Count > Capacity)
            {
                _lines.Dequeue();
            }

            for (int i = _waiters.Count - 1; i >= 0; i--)
            {
                if (_waiters[i].Predicate(line))
                {
                    (matched ??= []).Add(_waiters[i].Completion);
                    _waiters.RemoveAt(i);
                }
            }
        }

        // Completed outside the lock: continuations run asynchronously anyway, but keep the lock short.
        if (matched is not null)
        {
            foreach (TaskCompletionSource<string> completion in matched)
            {
                completion.TrySetResult(line);
            }
        }
    }

    /// <summary>Called once per stream (stdout, stderr) when it reaches end of file.</summary>
    internal void StreamEnded()
    {
        List<TaskCompletionSource<string>>? orphaned = null;
        string? dump = null;
        lock (_gate)
        {
            if (_openStreams > 0 && --_openStreams == 0 && _waiters.Count > 0)
            {
                orphaned = _waiters.Select(w => w.Completion).ToList();
                _waiters.Clear();
                dump = Dump();
            }
        }

        if (orphaned is not null)
        {
            var ended = new InvalidOperationException("The broker's output has ended (process exited) without a matching line." + Environment.NewLine + dump);
            foreach (TaskCompletionSource<string> completion in orphaned)
            {
                completion.TrySetException(ended);
            }
        }
    }

    private string Dump()
    {
        var text = new StringBuilder();
        long dropped = TotalLines - _lines.Count;
        if (dropped > 0)
        {
            text.Append("[... ").Append(dropped).Append(" earlier lines dropped]").AppendLine();
        }

        foreach ((bool isError, string line) in _lines)
        {
            if (isError)
            {
                text.Append("[stderr] ");
            }

            text.AppendLine(line);
        }

        return text.ToString();
    }
}
