namespace MqttHealth.Broker.Security;

/// <summary>
/// A file whose parsed content is read again when its last-write time or length changes: the users file, the client
/// CRL file and the JWKS file. Readers take <see cref="Current"/>, a complete value from one read, without locking. A
/// rewrite that cannot be used (<typeparamref name="TError"/>) keeps the last good content and is reported once per
/// change (<see cref="FileRefresh.Failed"/> and <see cref="LastError"/>); the next change is tried again. The stamp is
/// taken before the file is read, so a change made during a read is seen at the next refresh.
/// </summary>
/// <typeparam name="T">The parsed content.</typeparam>
/// <typeparam name="TError">The exception a bad file throws from the read (one line naming the file).</typeparam>
internal sealed class ReloadableFile<T, TError>
    where T : class
    where TError : Exception
{
    private readonly Func<string, T> _read;
    private readonly Lock _refreshLock = new();
    private volatile Entry _current;
    private FileStamp? _failedStamp;

    /// <summary>Reads <paramref name="path"/> (a full path) once with <paramref name="read"/>; a bad file throws <typeparamref name="TError"/>.</summary>
    public ReloadableFile(string path, Func<string, T> read)
    {
        FilePath = path;
        _read = read;
        FileStamp stamp = FileStamp.Of(path);
        _current = new Entry(stamp, read(path));
    }

    public string FilePath { get; }

    /// <summary>The content in use.</summary>
    public T Current => _current.Value;

    /// <summary>Why the last <see cref="Refresh"/> failed (one line), or null.</summary>
    public string? LastError { get; private set; }

    /// <summary>Reads the file again if its stamp changed since the last read. Thread-safe.</summary>
    public FileRefresh Refresh()
    {
        FileStamp stamp = FileStamp.Of(FilePath);
        if (stamp == _current.Stamp)
        {
            return FileRefresh.Unchanged;
        }

        lock (_refreshLock)
        {
            if (stamp == _current.Stamp || stamp == _failedStamp)
            {
                return FileRefresh.Unchanged;
            }

            try
            {
                _current = new Entry(stamp, _read(FilePath));
                LastError = null;
                _failedStamp = null;
                return FileRefresh.Reloaded;
            }
            catch (TError ex)
            {
                _failedStamp = stamp;
                LastError = ex.Message;
                return FileRefresh.Failed;
            }
        }
    }

    private sealed record Entry(FileStamp Stamp, T Value);
}
