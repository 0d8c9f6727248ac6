using System.Security.Cryptography;
using System.Threading.Channels;
using Microsoft.Data.Sqlite;

namespace MqttHealth.Broker.Audit;

/*
 * The audit trail's writer. Callers hand records to a bounded channel and go on; one background task drains
 * it and appends everything that queued up in one transaction (one fsync per batch, group commit), adds
 * the leaf and tree root of each record, and a signed checkpoint on every multiple of CheckpointInterval,
 * after CheckpointPeriod when records arrived since the last one, and at dispose.
 *
 * Nothing is dropped silently: AppendAsync waits while the queue is full (backpressure); TryAppend is for
 * paths that must not wait, returns false when full and counts the refusal (Refused), so the caller decides
 * what a refusal means. A batch whose commit fails (disk full, I/O error) is logged as critical, counted in
 * Failed, and the writer carries on with the tree as it was before that batch.
 */
public sealed partial class AuditLog : IAsyncDisposable
{
    private const int MaxBatch = 4096;

    /// <summary>How often an idle writer looks at the inbox for records from other processes.</summary>
    private static readonly TimeSpan InboxPollInterval = TimeSpan.FromSeconds(1);

    private readonly Channel<Entry> _channel;
    private readonly AuditOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly string _dataDirectory;
    private readonly FileStream _lock;
    private readonly SqliteConnection _connection;
    private readonly ECDsa _key;
    private MerkleFrontier _frontier;
    private long _lastCheckpointSize;
    private DateTimeOffset _lastCheckpointTime;
    private DateTimeOffset _lastPrune;
    private Task? _writer;
    private long _refused;
    private long _failed;
    private long _committed;
    private bool _disposed;

    private AuditLog(string dataDirectory, AuditOptions options, ILogger logger, TimeProvider time)
    {
        options.Validate();
        _options = options;
        _logger = logger;
        _time = time;
        _dataDirectory = Path.GetFullPath(dataDirectory);
        try
        {
            Directory.CreateDirectory(_dataDirectory);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new AuditException($"The audit data directory {_dataDirectory} cannot be created: {ex.Message}", ex);
        }

        var lockPath = Path.Combine(_dataDirectory, AuditFiles.Lock);
        try
        {
            _lock = new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException ex) when (File.Exists(lockPath))
        {
            throw new AuditLogInUseException($"The audit log in {_dataDirectory} is in use by another writer (it holds {lockPath}).", ex);
        }

        SqliteConnection? connection = null;
        ECDsa? key = null;
        try
        {
            key = AuditSigningKey.LoadOrCreate(_dataDirectory);
            connection = AuditDatabase.Open(Path.Combine(_dataDirectory, AuditFiles.Database), readOnly: false);
            var state = AuditDatabase.ReadState(connection);
            var count = AuditDatabase.Scalar(connection, "SELECT count(*) FROM records");
            var last = AuditDatabase.Scalar(connection, "SELECT coalesce(max(seq), 0) FROM records");
            if (last != state.TreeSize || count != state.TreeSize - state.BaseSize)
            {
                throw new AuditException(
                    $"The audit database {Path.Combine(_dataDirectory, AuditFiles.Database)} is inconsistent: its state says {state.TreeSize} records " +
                    $"({state.BaseSize} pruned), the table holds {count} up to sequence {last}. Run 'audit verify' and keep the file for investigation.");
            }

            _frontier = MerkleFrontier.Deserialize(state.TreeSize, state.Frontier);
            _lastCheckpointSize = AuditDatabase.Scalar(connection, "SELECT coalesce(max(tree_size), 0) FROM checkpoints");
        }
        catch (Exception ex)
        {
            connection?.Dispose();
            key?.Dispose();
            _lock.Dispose();
            if (ex is SqliteException or FormatException or InvalidCastException)
            {
                throw new AuditException($"The audit database in {_dataDirectory} cannot be used: {ex.Message}", ex);
            }

            throw;
        }

        _connection = connection;
        _key = key;
        _lastCheckpointTime = _time.GetUtcNow();
        _channel = Channel.CreateBounded<Entry>(new BoundedChannelOptions(options.QueueCapacity)
        {
            FullMode = BoundedChannelFullMode.Wait,
            SingleReader = true,
        });
    }

    /// <summary>The data directory holding audit.db, as a full path.</summary>
    public string DataDirectory => _dataDirectory;

    /// <summary>Records committed to audit.db by this instance.</summary>
    public long Committed => Interlocked.Read(ref _committed);

    /// <summary>Records <see cref="TryAppend"/> refused because the queue was full.</summary>
    public long Refused => Interlocked.Read(ref _refused);

    /// <summary>Records lost because their batch could not be committed (each loss is logged as critical).</summary>
    public long Failed => Interlocked.Read(ref _failed);

    /// <summary>Records waiting for the writer.</summary>
    public int Pending => _channel.Reader.Count;

    /// <summary>
    /// Opens (or creates) the audit trail in <paramref name="dataDirectory"/>: audit.db, the signing key, and
    /// starts the writer. Prunes records past the retention at once and then daily.
    /// </summary>
    /// <exception cref="AuditException">The audit trail cannot be opened; the message says why.</exception>
    public static AuditLog Open(string dataDirectory, AuditOptions options, ILogger<AuditLog> logger, TimeProvider? timeProvider = null)
    {
        var log = new AuditLog(dataDirectory, options, logger, timeProvider ?? TimeProvider.System);
        log.Start();
        return log;
    }

    /// <summary>Opens without starting the writer, so a test can fill the queue.</summary>
    internal static AuditLog OpenStopped(string dataDirectory, AuditOptions options, ILogger logger, TimeProvider? timeProvider = null) =>
        new(dataDirectory, options, logger, timeProvider ?? TimeProvider.System);

    internal void Start()
    {
        _lastPrune = _time.GetUtcNow();
        TryPrune(_lastPrune);
        _writer = Task.Run(RunAsync);
    }

    /// <summary>Queues <paramref name="record"/> unless the queue is full; a refusal returns false and is counted in <see cref="Refused"/>.</summary>
    /// <exception cref="ArgumentException">The record cannot be encoded (a text field with an unpaired surrogate, a negative size).</exception>
    public bool TryAppend(AuditRecord record)
    {
        var entry = Entry.ForRecord(record);
        if (_channel.Writer.TryWrite(entry))
        {
            return true;
        }

        ObjectDisposedException.ThrowIf(_disposed, this);
        Interlocked.Increment(ref _refused);
        return false;
    }

    /// <summary>Queues <paramref name="record"/>, waiting while the queue is full.</summary>
    /// <exception cref="ArgumentException">The record cannot be encoded.</exception>
    public async ValueTask AppendAsync(AuditRecord record, CancellationToken cancellationToken = default)
    {
        var entry = Entry.ForRecord(record);
        try
        {
            await _channel.Writer.WriteAsync(entry, cancellationToken).ConfigureAwait(false);
        }
        catch (ChannelClosedException ex)
        {
            throw new ObjectDisposedException(nameof(AuditLog), ex);
        }
    }

    /// <summary>Completes when everything queued before the call is committed (or its commit failed, which then throws).</summary>
    public async Task FlushAsync(CancellationToken cancellationToken = default)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        try
        {
            await _channel.Writer.WriteAsync(new Entry(null, 0, done, null), cancellationToken).ConfigureAwait(false);
        }
        catch (ChannelClosedException ex)
        {
            throw new ObjectDisposedException(nameof(AuditLog), ex);
        }

        await done.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Prunes records past the retention now (after everything queued before the call); returns how many were pruned.</summary>
    public async Task<long> PruneAsync(CancellationToken cancellationToken = default)
    {
        var done = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
        try
        {
            await _channel.Writer.WriteAsync(new Entry(null, 0, null, done), cancellationToken).ConfigureAwait(false);
        }
        catch (ChannelClosedException ex)
        {
            throw new ObjectDisposedException(nameof(AuditLog), ex);
        }

        return await done.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Stops taking records, commits everything queued, writes a final checkpoint and closes audit.db.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _channel.Writer.TryComplete();
        try
        {
            // Never started (a test): commit what was queued anyway, nothing accepted is dropped.
            await (_writer ?? RunAsync()).ConfigureAwait(false);
        }
        finally
        {
            _connection.Dispose();
            _key.Dispose();
            await _lock.DisposeAsync().ConfigureAwait(false);
        }
    }

    private async Task RunAsync()
    {
        var reader = _channel.Reader;
        var batch = new List<Entry>();
        while (true)
        {
            bool more;
            using (var timeout = new CancellationTokenSource(_options.CheckpointPeriod < InboxPollInterval ? _options.CheckpointPeriod : InboxPollInterval, _time))
            {
                try
                {
                    more = await reader.WaitToReadAsync(timeout.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (timeout.IsCancellationRequested)
                {
                    Housekeeping();
                    continue;
                }
            }

            if (!more)
            {
                break;
            }

            batch.Clear();
            while (batch.Count < MaxBatch && reader.TryRead(out var entry))
            {
                batch.Add(entry);
            }

            Commit(batch);
            Housekeeping();
        }

        if (_frontier.Size > _lastCheckpointSize)
        {
            CommitCheckpointOnly();
        }
    }

    private void Housekeeping()
    {
        if (InboxHasRecords())
        {
            Commit([]);
        }

        var now = _time.GetUtcNow();
        if (_frontier.Size > _lastCheckpointSize && now - _lastCheckpointTime >= _options.CheckpointPeriod)
        {
            CommitCheckpointOnly();
        }

        if (now - _lastPrune >= TimeSpan.FromDays(1))
        {
            _lastPrune = now;
            TryPrune(now);
        }
    }

    private void Commit(List<Entry> batch)
    {
        var before = _frontier.Clone();
        var frontier = _frontier;
        AuditCheckpoint? checkpoint = null;
        var records = 0;
        var inboxed = 0;
        try
        {
            using var transaction = _connection.BeginTransaction();
            using var insert = _connection.CreateCommand();
            insert.Transaction = transaction;
            insert.CommandText = "INSERT INTO records (seq, time_unix_ms, record, leaf, root) VALUES ($seq, $time, $record, $leaf, $root)";
            var seq = insert.Parameters.Add("$seq", SqliteType.Integer);
            var time = insert.Parameters.Add("$time", SqliteType.Integer);
            var bytes = insert.Parameters.Add("$record", SqliteType.Blob);
            var leafParameter = insert.Parameters.Add("$leaf", SqliteType.Blob);
            var rootParameter = insert.Parameters.Add("$root", SqliteType.Blob);
            void Append(byte[] record, long timeUnixMs, AuditRecord? decoded)
            {
                var leaf = MerkleFrontier.LeafHash(record);
                frontier.Append(leaf);
                var root = frontier.Root();
                seq.Value = frontier.Size;
                time.Value = timeUnixMs;
                bytes.Value = record;
                leafParameter.Value = leaf;
                rootParameter.Value = root;
                insert.ExecuteNonQuery();
                records++;
                if (decoded is not null && AuditProjection.Concerns(decoded.Kind))
                {
                    Project(transaction, decoded, frontier.Size);
                }

                if (frontier.Size % _options.CheckpointInterval == 0)
                {
                    checkpoint = InsertCheckpoint(transaction, frontier.Size, root);
                }
            }

            foreach (var entry in batch)
            {
                if (entry.Record is not null)
                {
                    Append(entry.Record, entry.TimeUnixMs, entry.Source);
                }
            }

            inboxed = IngestInbox(transaction, Append);

            if (records > 0)
            {
                SaveState(transaction, frontier);
            }

            transaction.Commit();
        }
        catch (Exception ex) when (ex is SqliteException or IOException or CryptographicException)
        {
            _frontier = before;
            var lost = batch.Count(e => e.Record is not null);
            Interlocked.Add(ref _failed, lost);
            LogCommitFailed(_logger, ex, lost);
            foreach (var entry in batch)
            {
                entry.Flush?.TrySetException(new AuditException("Audit records could not be committed: " + ex.Message, ex));
            }

            RunPrunes(batch);
            return;
        }

        Interlocked.Add(ref _committed, records);
        if (inboxed > 0)
        {
            LogInboxIngested(_logger, inboxed);
        }

        if (checkpoint is not null)
        {
            Checkpointed(checkpoint);
        }

        foreach (var entry in batch)
        {
            entry.Flush?.TrySetResult();
        }

        RunPrunes(batch);
    }

    private bool InboxHasRecords()
    {
        try
        {
            return AuditDatabase.Scalar(_connection, "SELECT EXISTS (SELECT 1 FROM inbox)") != 0;
        }
        catch (SqliteException ex)
        {
            LogInboxFailed(_logger, ex);
            return false;
        }
    }

    /// <summary>
    /// Moves the inbox's records (from other processes: the users and breakglass commands) into the chain, in the
    /// order they arrived, and deletes them in the same transaction. A row that is not a canonical record is not
    /// appended as it is: an <see cref="AuditEventKind.AdminAction"/> record says that it arrived, its size and
    /// SHA-256, so its removal is itself on the record.
    /// </summary>
    private int IngestInbox(SqliteTransaction transaction, Action<byte[], long, AuditRecord?> append)
    {
        using var select = _connection.CreateCommand();
        select.Transaction = transaction;
        select.CommandText = $"SELECT id, time_unix_ms, record FROM inbox ORDER BY id LIMIT {MaxBatch}";
        long last = 0;
        var count = 0;
        using (var reader = select.ExecuteReader())
        {
            while (reader.Read())
            {
                last = reader.GetInt64(0);
                var bytes = (byte[])reader.GetValue(2);
                AuditRecord? decoded = null;
                try
                {
                    decoded = AuditRecordEncoding.Decode(bytes);
                }
                catch (FormatException ex)
                {
                    LogInboxRecordMalformed(_logger, last, ex.Message);
                }

                if (decoded is null)
                {
                    var note = new AuditRecord(_time.GetUtcNow(), AuditEventKind.AdminAction, Detail: $"an inbox record that is not a canonical audit record was discarded (inbox id {last})")
                    {
                        PayloadSize = bytes.Length,
                        PayloadSha256 = AuditPayload.Sha256(bytes),
                    };
                    append(AuditRecordEncoding.Encode(note), note.Time.ToUnixTimeMilliseconds(), note);
                }
                else
                {
                    append(bytes, decoded.Time.ToUnixTimeMilliseconds(), decoded);
                }

                count++;
            }
        }

        if (count > 0)
        {
            using var delete = _connection.CreateCommand();
            delete.Transaction = transaction;
            delete.CommandText = "DELETE FROM inbox WHERE id <= $last";
            delete.Parameters.AddWithValue("$last", last);
            delete.ExecuteNonQuery();
        }

        return count;
    }

    // A projection row that cannot be written (a constraint) never costs the record: it is in the chain already.
    private void Project(SqliteTransaction transaction, AuditRecord record, long seq)
    {
        try
        {
            AuditProjection.Apply(_connection, transaction, record);
        }
        catch (Exception ex) when (ex is SqliteException or FormatException)
        {
            LogProjectionFailed(_logger, ex, seq, record.Kind);
        }
    }

    private void RunPrunes(List<Entry> batch)
    {
        foreach (var entry in batch)
        {
            if (entry.Prune is { } prune)
            {
                try
                {
                    prune.TrySetResult(Prune(_time.GetUtcNow()));
                }
                catch (AuditException ex)
                {
                    prune.TrySetException(ex);
                }
            }
        }
    }

    private void CommitCheckpointOnly()
    {
        try
        {
            using var transaction = _connection.BeginTransaction();
            var checkpoint = InsertCheckpoint(transaction, _frontier.Size, _frontier.Root());
            transaction.Commit();
            Checkpointed(checkpoint);
        }
        catch (Exception ex) when (ex is SqliteException or IOException or CryptographicException)
        {
            LogCheckpointFailed(_logger, ex, _frontier.Size);
        }
    }

    private AuditCheckpoint InsertCheckpoint(SqliteTransaction transaction, long size, byte[] root)
    {
        var checkpoint = AuditCheckpoint.Sign(_key, size, root, _time.GetUtcNow());
        using var command = _connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "INSERT INTO checkpoints (tree_size, root, time_unix_ms, signature) VALUES ($size, $root, $time, $signature)";
        command.Parameters.AddWithValue("$size", size);
        command.Parameters.AddWithValue("$root", root);
        command.Parameters.AddWithValue("$time", checkpoint.Time.ToUnixTimeMilliseconds());
        command.Parameters.AddWithValue("$signature", checkpoint.Signature);
        command.ExecuteNonQuery();
        return checkpoint;
    }

    private void Checkpointed(AuditCheckpoint checkpoint)
    {
        _lastCheckpointSize = checkpoint.TreeSize;
        _lastCheckpointTime = _time.GetUtcNow();
        try
        {
            AuditHeadFile.Write(_dataDirectory, checkpoint);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            LogHeadFailed(_logger, ex, checkpoint.TreeSize);
        }
    }

    private void SaveState(SqliteTransaction transaction, MerkleFrontier frontier)
    {
        using var command = _connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "UPDATE state SET tree_size = $size, frontier = $frontier WHERE id = 1";
        command.Parameters.AddWithValue("$size", frontier.Size);
        command.Parameters.AddWithValue("$frontier", frontier.Serialize());
        command.ExecuteNonQuery();
    }

    // Scheduled pruning never stops the writer: a refusal (records that do not match their checkpoint) is logged and retried a day later.
    private void TryPrune(DateTimeOffset now)
    {
        try
        {
            Prune(now);
        }
        catch (AuditException)
        {
        }
    }

    private long Prune(DateTimeOffset now)
    {
        if (_options.RetentionDays == 0)
        {
            return 0;
        }

        try
        {
            var pruned = AuditRetention.Prune(_connection, now.AddDays(-_options.RetentionDays));
            if (pruned > 0)
            {
                LogPruned(_logger, pruned, _options.RetentionDays);
            }

            return pruned;
        }
        catch (AuditException ex)
        {
            LogPruneFailed(_logger, ex);
            throw;
        }
        catch (Exception ex) when (ex is SqliteException or FormatException or InvalidCastException)
        {
            LogPruneFailed(_logger, ex);
            throw new AuditException("Pruning the audit log failed: " + ex.Message, ex);
        }
    }

    [LoggerMessage(EventId = 6001, Level = LogLevel.Critical, Message = "Audit: committing {Count} records failed; they are lost (counted in Failed)")]
    private static partial void LogCommitFailed(ILogger logger, Exception error, int count);

    [LoggerMessage(EventId = 6002, Level = LogLevel.Error, Message = "Audit: writing the checkpoint at tree size {TreeSize} failed")]
    private static partial void LogCheckpointFailed(ILogger logger, Exception error, long treeSize);

    [LoggerMessage(EventId = 6003, Level = LogLevel.Error, Message = "Audit: writing audit.head for tree size {TreeSize} failed")]
    private static partial void LogHeadFailed(ILogger logger, Exception error, long treeSize);

    [LoggerMessage(EventId = 6004, Level = LogLevel.Information, Message = "Audit: pruned {Count} records older than {Days} days")]
    private static partial void LogPruned(ILogger logger, long count, int days);

    [LoggerMessage(EventId = 6005, Level = LogLevel.Error, Message = "Audit: pruning failed")]
    private static partial void LogPruneFailed(ILogger logger, Exception error);

    [LoggerMessage(EventId = 6006, Level = LogLevel.Information, Message = "Audit: {Count} records from other processes (the inbox) added to the trail")]
    private static partial void LogInboxIngested(ILogger logger, int count);

    [LoggerMessage(EventId = 6007, Level = LogLevel.Error, Message = "Audit: the inbox cannot be read")]
    private static partial void LogInboxFailed(ILogger logger, Exception error);

    [LoggerMessage(EventId = 6008, Level = LogLevel.Error, Message = "Audit: inbox record {Id} is not a canonical audit record ({Problem}); discarded, and the discard recorded")]
    private static partial void LogInboxRecordMalformed(ILogger logger, long id, string problem);

    [LoggerMessage(EventId = 6009, Level = LogLevel.Error, Message = "Audit: record {Seq} ({Kind}) is in the trail, but the break-glass projection could not be updated")]
    private static partial void LogProjectionFailed(ILogger logger, Exception error, long seq, AuditEventKind kind);

    private readonly record struct Entry(byte[]? Record, long TimeUnixMs, TaskCompletionSource? Flush, TaskCompletionSource<long>? Prune, AuditRecord? Source = null)
    {
        public static Entry ForRecord(AuditRecord record) =>
            new(AuditRecordEncoding.Encode(record), record.Time.ToUnixTimeMilliseconds(), null, null, AuditProjection.Concerns(record.Kind) ? record : null);
    }
}
