using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;

namespace MqttHealth.Broker.Audit;

/*
 * How a process other than the broker (the users and breakglass commands, recover, export) gets its records into the
 * trail. The trail has one writer, whoever holds audit.lock:
 *
 *  - nobody (the broker is not running): this process opens the trail itself, appends, checkpoints and closes it;
 *  - the running broker: the records go into audit.db's inbox table, and the broker's writer moves them into the chain
 *    within about a second (AuditLog.IngestInbox). Open waits for that, so the command can say the change is recorded.
 *
 * Either way the records are committed (synchronous=FULL) before SubmitAsync returns: nothing is only in memory.
 */
public sealed class AuditSubmission : IAsyncDisposable
{
    private readonly AuditLog? _log;
    private readonly SqliteConnection? _inbox;
    private readonly string _path;

    private AuditSubmission(AuditLog? log, SqliteConnection? inbox, string path)
    {
        _log = log;
        _inbox = inbox;
        _path = path;
    }

    /// <summary>True when the running broker holds the trail and records go through its inbox.</summary>
    public bool ThroughBroker => _inbox is not null;

    /// <summary>
    /// Gets ready to write to the trail of <paramref name="dataDirectory"/> before the command changes anything, so that a
    /// trail that cannot be written stops the command first. Throws <see cref="AuditException"/> naming the problem.
    /// </summary>
    public static AuditSubmission Open(string dataDirectory, AuditOptions options)
    {
        ArgumentNullException.ThrowIfNull(dataDirectory);
        ArgumentNullException.ThrowIfNull(options);
        string path = Path.Combine(Path.GetFullPath(dataDirectory), AuditFiles.Database);
        try
        {
            return new AuditSubmission(AuditLog.Open(dataDirectory, options, NullLogger<AuditLog>.Instance), null, path);
        }
        catch (AuditLogInUseException)
        {
            // The broker runs: it created audit.db at the current schema, so only the inbox is written here.
            SqliteConnection connection = AuditDatabase.Open(path, readOnly: false);
            return new AuditSubmission(null, connection, path);
        }
    }

    /// <summary>
    /// Records one administrative action that has happened (a recovery, an export) and tells <paramref name="error"/> when it
    /// could not be: the action stands, the operator learns that it is missing from the trail. Returns whether it was recorded.
    /// </summary>
    public static bool RecordAction(string dataDirectory, AuditOptions options, string principal, string detail, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(error);
        try
        {
            var submission = Open(dataDirectory, options);
            try
            {
                var record = new AuditRecord(DateTimeOffset.UtcNow, AuditEventKind.AdminAction, principal, Detail: detail);
                return submission.SubmitAsync([record], TimeSpan.FromSeconds(10)).GetAwaiter().GetResult();
            }
            finally
            {
                submission.DisposeAsync().AsTask().GetAwaiter().GetResult();
            }
        }
        catch (AuditException ex)
        {
            error.WriteLine($"mqtthealth-broker: warning: this action is not in the audit trail: {ex.Message}");
            return false;
        }
    }

    /// <summary>
    /// Writes <paramref name="records"/>. Through the broker, waits up to <paramref name="ingestTimeout"/> for it to take
    /// them into the chain; returns false when it has not yet (they are committed in the inbox and it takes them later).
    /// </summary>
    public async Task<bool> SubmitAsync(IReadOnlyList<AuditRecord> records, TimeSpan ingestTimeout, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(records);
        if (_log is not null)
        {
            foreach (AuditRecord record in records)
            {
                await _log.AppendAsync(record, cancellationToken).ConfigureAwait(false);
            }

            await _log.FlushAsync(cancellationToken).ConfigureAwait(false);
            return true;
        }

        long last;
        try
        {
            using SqliteTransaction transaction = _inbox!.BeginTransaction();
            using SqliteCommand insert = _inbox.CreateCommand();
            insert.Transaction = transaction;
            insert.CommandText = "INSERT INTO inbox (time_unix_ms, record) VALUES ($time, $record); SELECT last_insert_rowid();";
            SqliteParameter time = insert.Parameters.Add("$time", SqliteType.Integer);
            SqliteParameter bytes = insert.Parameters.Add("$record", SqliteType.Blob);
            last = 0;
            foreach (AuditRecord record in records)
            {
                time.Value = record.Time.ToUnixTimeMilliseconds();
                bytes.Value = AuditRecordEncoding.Encode(record);
                last = insert.ExecuteScalar() is long id ? id : 0;
            }

            transaction.Commit();
        }
        catch (SqliteException ex)
        {
            throw new AuditException($"The audit records cannot be handed to the running broker through {_path}: {ex.Message}", ex);
        }

        // The broker looks at the inbox once a second; poll a little faster than that, for a bounded time.
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(ingestTimeout);
        try
        {
            while (AuditDatabase.Scalar(_inbox, $"SELECT EXISTS (SELECT 1 FROM inbox WHERE id <= {last})") != 0)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(200), timeout.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return false;
        }

        return true;
    }

    public async ValueTask DisposeAsync()
    {
        if (_log is not null)
        {
            await _log.DisposeAsync().ConfigureAwait(false);
        }

        _inbox?.Dispose();
    }
}
