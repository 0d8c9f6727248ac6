using System.Diagnostics;
using Microsoft.Data.Sqlite;
using MqttHealth.Broker.Messages;

namespace MqttHealth.Broker.Storage;

/*
 * The durable store: one SQLite file, <data>/broker.db (schema in SqliteSchema, docs/broker-storage.md).
 *
 * Durability: WAL journal with synchronous=FULL, so COMMIT returns only after the WAL is fsync'd; a
 * committed batch survives power loss, not only a killed process. One fsync per Apply; the StoreWriter
 * hands Apply everything that queued up during the previous commit (group commit), so under load many
 * messages share one fsync, and the engine acknowledges a PUBLISH only after its batch is durable.
 *
 * Opening migrates a database of an earlier schema version in place (SqliteSchema.Migrate) and refuses
 * anything it cannot vouch for (not a database, damaged pages, a foreign or newer schema,
 * a directory in place of the file, no permission) with a BrokerStoreException that names the file and
 * the recover command. The broker does not start on a database it could only partly read: a half-loaded
 * store would silently drop the sessions and messages it promised to keep.
 */
public sealed partial class SqliteBrokerStore : IBrokerStore
{
    private readonly ILogger _logger;
    private readonly DataDirectoryLock? _lock;
    private readonly SqliteConnection? _connection;
    private readonly SqliteStoreCommands? _commands;

    // Per batch: messages whose last reference may have gone (checked once at the end of the batch), and
    // messages already inserted in this batch (a fan-out saves one message with many deliveries).
    private readonly HashSet<long> _released = [];
    private readonly HashSet<long> _inserted = [];
    private long _maxMessageId;
    private bool _disposed;

    /// <summary>Opens (or creates) <c>broker.db</c> in <paramref name="dataDirectory"/>, creating the directory if missing.</summary>
    /// <exception cref="BrokerStoreException">The database cannot be used; the message says why and how to recover.</exception>
    public SqliteBrokerStore(string dataDirectory, ILogger<SqliteBrokerStore> logger)
        : this(Path.Combine(dataDirectory, SqliteSchema.DatabaseFileName), takeLock: true, logger)
    {
    }

    /// <summary>Opens a database file directly; the recover command uses it on its scratch file while it holds the lock.</summary>
    internal SqliteBrokerStore(string databasePath, bool takeLock, ILogger logger)
    {
        _logger = logger;
        DatabasePath = Path.GetFullPath(databasePath);
        var directory = Path.GetDirectoryName(DatabasePath)!;
        try
        {
            Directory.CreateDirectory(directory);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw StoreErrors.Unusable(DatabasePath, $"its data directory {directory} cannot be created ({ex.Message})", ex);
        }

        try
        {
            if (takeLock)
            {
                _lock = DataDirectoryLock.TryAcquire(directory, out var lockPath) ?? throw StoreErrors.Locked(DatabasePath, lockPath);
            }

            if (Directory.Exists(DatabasePath))
            {
                throw StoreErrors.Unusable(DatabasePath, "a directory is in its place, not a database file");
            }

            SqliteProvider.EnsureInitialized();
            _connection = new SqliteConnection(SqliteSchema.ConnectionString(DatabasePath, SqliteOpenMode.ReadWriteCreate));
            _connection.Open();

            // SQLite quietly opens a write-protected file read-only; the broker would then fail every commit.
            if (SQLitePCL.raw.sqlite3_db_readonly(_connection.Handle, "main") == 1)
            {
                throw StoreErrors.Unusable(DatabasePath, "this user may read but not write it: check owner and permissions of the file and its directory");
            }

            OpenSchema(_connection);
            _commands = new SqliteStoreCommands(_connection);
        }
        catch (Exception ex)
        {
            _commands?.Dispose();
            _connection?.Dispose();
            _lock?.Dispose();
            if (ex is BrokerStoreException)
            {
                throw;
            }

            if (ex is SqliteException or IOException or UnauthorizedAccessException or FormatException or InvalidCastException)
            {
                throw StoreErrors.Unusable(DatabasePath, StoreErrors.Describe(ex), ex);
            }

            throw;
        }
    }

    public bool IsDurable => true;

    /// <summary>The full path of the database file.</summary>
    public string DatabasePath { get; }

    public StoredBrokerState Load()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        try
        {
            return LoadCore(_connection!);
        }
        catch (Exception ex) when (ex is SqliteException or FormatException or InvalidCastException or OverflowException)
        {
            throw StoreErrors.Unusable(DatabasePath, StoreErrors.Describe(ex), ex);
        }
    }

    public void Apply(IReadOnlyList<StoreOperation> operations)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (operations.Count == 0)
        {
            return;
        }

        var commands = _commands!;
        _released.Clear();
        _inserted.Clear();
        var maxMessageId = _maxMessageId;
        using var transaction = _connection!.BeginTransaction();
        commands.Enlist(transaction);
        try
        {
            foreach (var operation in operations)
            {
                ApplyOne(commands, operation, ref maxMessageId);
            }

            // A message goes when nothing refers to it any more. Checked once per batch and per message,
            // after all operations, so a delivery deleted and another saved in the same batch keep it.
            foreach (var messageId in _released)
            {
                commands.DeleteMessageIfOrphaned(messageId);
            }

            if (maxMessageId > _maxMessageId)
            {
                commands.RaiseMaxMessageId(maxMessageId);
            }

            Commit(transaction);
            _maxMessageId = maxMessageId;
        }
        catch (SqliteException ex)
        {
            throw new BrokerStoreException($"Writing {operations.Count} operations to {DatabasePath} failed; none of them was stored. {StoreErrors.Describe(ex)}", ex);
        }
        finally
        {
            commands.Enlist(null);
        }
    }

    /// <summary>Raises the stored largest message id (the recover command keeps the old database's value).</summary>
    internal void RaiseMaxMessageId(long value)
    {
        if (value > _maxMessageId)
        {
            using var transaction = _connection!.BeginTransaction();
            _commands!.Enlist(transaction);
            _commands.RaiseMaxMessageId(value);
            transaction.Commit();
            _commands.Enlist(null);
            _maxMessageId = value;
        }
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _commands?.Dispose();

        // Closing the last connection checkpoints the WAL into broker.db and deletes the WAL file.
        _connection?.Dispose();
        _lock?.Dispose();
    }

    private void OpenSchema(SqliteConnection connection)
    {
        // Enforced per connection; the deferred foreign keys of the schema are checked at every COMMIT.
        SqliteSchema.Execute(connection, "PRAGMA foreign_keys = ON");

        // The first read of the file: a file that is not a database fails here (SQLITE_NOTADB).
        var version = SqliteSchema.ExecuteInt64(connection, "PRAGMA user_version");
        if (version > SqliteSchema.Version)
        {
            throw StoreErrors.NewerSchema(DatabasePath, version);
        }

        var started = Stopwatch.GetTimestamp();
        if (SqliteSchema.QuickCheck(connection) is { } damage)
        {
            throw StoreErrors.Unusable(DatabasePath, $"PRAGMA quick_check reports damage: {damage}");
        }

        var tables = SqliteSchema.ExistingTables(connection);
        var created = false;
        if (version == 0)
        {
            if (tables.Count > 0)
            {
                throw StoreErrors.Unusable(DatabasePath, $"it is a SQLite database but not a broker database (it holds the tables {string.Join(", ", tables.Order(StringComparer.Ordinal))} and no broker schema version)");
            }

            created = true;
        }
        else if (version < 1)
        {
            throw StoreErrors.Unusable(DatabasePath, $"it has the unknown schema version {version}");
        }
        else if (SqliteSchema.Tables.Where(t => !tables.Contains(t)).ToList() is { Count: > 0 } missing)
        {
            throw StoreErrors.Unusable(DatabasePath, $"it says schema version {version} but lacks the tables {string.Join(", ", missing)}");
        }

        // WAL + synchronous=FULL: a commit is on disk (WAL fsync'd) when COMMIT returns, and readers such as
        // an operator's sqlite3 shell do not block the writer. Set after the checks above, so that a foreign
        // database is refused without being switched to WAL.
        var journalMode = SqliteSchema.ExecuteString(connection, "PRAGMA journal_mode = WAL");
        if (!string.Equals(journalMode, "wal", StringComparison.OrdinalIgnoreCase))
        {
            throw StoreErrors.Unusable(DatabasePath, $"SQLite could not switch it to WAL journaling (journal mode is {journalMode})");
        }

        SqliteSchema.Execute(connection, "PRAGMA synchronous = FULL");

        // After a checkpoint, truncate the WAL to at most 64 MiB instead of keeping the largest size it ever had.
        SqliteSchema.Execute(connection, "PRAGMA journal_size_limit = 67108864");

        if (created)
        {
            SqliteSchema.Create(connection);
            LogCreated(_logger, DatabasePath, SqliteSchema.Version);
        }
        else if (version < SqliteSchema.Version)
        {
            // An earlier broker's database: brought up to date in place, in one transaction (all or nothing).
            SqliteSchema.Migrate(connection, version);
            LogMigrated(_logger, DatabasePath, version, SqliteSchema.Version);
        }

        _maxMessageId = SqliteSchema.ExecuteInt64(connection, $"SELECT coalesce((SELECT value FROM meta WHERE key = '{SqliteSchema.MaxMessageIdKey}'), -1)");
        if (_maxMessageId < 0)
        {
            throw StoreErrors.Unusable(DatabasePath, $"its meta table lacks {SqliteSchema.MaxMessageIdKey}");
        }

        var elapsed = (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        LogOpened(_logger, DatabasePath, SqliteSchema.Version, elapsed);
    }

    private void ApplyOne(SqliteStoreCommands commands, StoreOperation operation, ref long maxMessageId)
    {
        switch (operation)
        {
            case SaveSession save:
                commands.UpsertSession(save.Session);
                break;
            case DeleteSession delete:
                commands.DeleteSession(delete.ClientId, _released);
                break;
            case SaveSubscription save:
                commands.UpsertSubscription(save.ClientId, save.Subscription);
                break;
            case DeleteSubscription delete:
                commands.DeleteSubscription(delete.ClientId, delete.TopicFilter);
                break;
            case SaveMessage save:
                InsertMessage(commands, save.Message, ref maxMessageId);
                break;
            case SaveDelivery save:
                // The delivery carries its message: storing it here too (idempotent) means a delivery can never
                // point at a message row that does not exist.
                InsertMessage(commands, save.Delivery.Message, ref maxMessageId);
                if (commands.SelectDeliveryMessage(save.ClientId, save.Delivery.Sequence) is { } previous && previous != save.Delivery.Message.Id)
                {
                    _released.Add(previous);
                }

                commands.UpsertDelivery(save.ClientId, save.Delivery);
                break;
            case DeleteDelivery delete:
                if (commands.SelectDeliveryMessage(delete.ClientId, delete.Sequence) is { } deliveredMessage)
                {
                    commands.DeleteDelivery(delete.ClientId, delete.Sequence);
                    _released.Add(deliveredMessage);
                }

                break;
            case SaveInboundQos2 save:
                commands.InsertInbound(save.ClientId, save.PacketId);
                break;
            case DeleteInboundQos2 delete:
                commands.DeleteInbound(delete.ClientId, delete.PacketId);
                break;
            case SetRetained set:
                InsertMessage(commands, set.Message, ref maxMessageId);
                if (commands.SelectRetainedMessage(set.Message.Topic) is { } replaced && replaced != set.Message.Id)
                {
                    _released.Add(replaced);
                }

                commands.UpsertRetained(set.Message.Topic, set.Message.Id);
                break;
            case ClearRetained clear:
                if (commands.SelectRetainedMessage(clear.Topic) is { } cleared)
                {
                    commands.DeleteRetained(clear.Topic);
                    _released.Add(cleared);
                }

                break;
            case CompositeOperation composite:
                foreach (var inner in composite.Operations)
                {
                    ApplyOne(commands, inner, ref maxMessageId);
                }

                break;
            default:
                throw new ArgumentException($"Unknown store operation {operation.GetType().Name}.", nameof(operation));
        }
    }

    private void InsertMessage(SqliteStoreCommands commands, BrokerMessage message, ref long maxMessageId)
    {
        if (!_inserted.Add(message.Id))
        {
            return;
        }

        commands.InsertMessage(message);
        maxMessageId = Math.Max(maxMessageId, message.Id);

        // A message saved with nothing referring to it (no subscriber, not retained) must not stay behind.
        _released.Add(message.Id);
    }

    private void Commit(SqliteTransaction transaction)
    {
        try
        {
            transaction.Commit();
        }
        catch (SqliteException ex) when (ex.SqliteErrorCode == 19)
        {
            // SQLITE_CONSTRAINT at COMMIT is a deferred foreign key: say which rows, then roll back (Dispose).
            throw new BrokerStoreException($"Writing to {DatabasePath} failed; nothing in the batch was stored: {DescribeForeignKeyViolations(transaction)}", ex);
        }
    }

    private string DescribeForeignKeyViolations(SqliteTransaction transaction)
    {
        using var command = _connection!.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "SELECT v.\"table\", v.parent, coalesce(d.client_id, s.client_id, i.client_id, '') " +
            "FROM pragma_foreign_key_check AS v " +
            "LEFT JOIN deliveries AS d ON v.\"table\" = 'deliveries' AND d.rowid = v.rowid " +
            "LEFT JOIN subscriptions AS s ON v.\"table\" = 'subscriptions' AND s.rowid = v.rowid " +
            "LEFT JOIN inbound_qos2 AS i ON v.\"table\" = 'inbound_qos2' AND i.rowid = v.rowid LIMIT 5";
        using var reader = command.ExecuteReader();
        var findings = new List<string>();
        while (reader.Read())
        {
            var child = reader.GetString(0);
            var parent = reader.GetString(1);
            var client = reader.GetString(2);
            findings.Add(parent == "sessions"
                ? $"a {child} row of client '{client}' has no saved session (SaveSession must come first, in this or an earlier batch)"
                : $"a {child} row refers to a {parent} row that does not exist");
        }

        return findings.Count == 0 ? "a constraint failed at commit" : string.Join("; ", findings);
    }

    private StoredBrokerState LoadCore(SqliteConnection connection)
    {
        var started = Stopwatch.GetTimestamp();
        var messages = new Dictionary<long, BrokerMessage>();
        using (var command = connection.CreateCommand())
        {
            command.CommandText = $"SELECT {SqliteSchema.MessageColumns} FROM messages";
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                var message = StoreRows.ReadMessage(reader);
                messages[message.Id] = message;
            }
        }

        var sessions = new Dictionary<string, SessionParts>(StringComparer.Ordinal);
        foreach (var row in Rows(connection, $"SELECT {SqliteSchema.SessionColumns} FROM sessions ORDER BY client_id", StoreRows.ReadSession))
        {
            sessions.Add(row.ClientId, new SessionParts(row));
        }

        foreach (var (clientId, subscription) in Rows(connection, $"SELECT {SqliteSchema.SubscriptionColumns} FROM subscriptions ORDER BY rowid", StoreRows.ReadSubscription))
        {
            Owner(sessions, clientId, "subscriptions").Subscriptions.Add(subscription);
        }

        var deliveryCount = 0;
        foreach (var row in Rows(connection, $"SELECT {SqliteSchema.DeliveryColumns} FROM deliveries ORDER BY client_id, sequence", StoreRows.ReadDelivery))
        {
            var message = messages.GetValueOrDefault(row.MessageId) ?? throw Inconsistent($"a delivery to '{row.ClientId}' refers to message {row.MessageId}, which is not stored");
            Owner(sessions, row.ClientId, "deliveries").Deliveries.Add(row.ToDelivery(message));
            deliveryCount++;
        }

        foreach (var (clientId, packetId) in Rows(connection, $"SELECT {SqliteSchema.InboundColumns} FROM inbound_qos2 ORDER BY client_id, packet_id", StoreRows.ReadInbound))
        {
            Owner(sessions, clientId, "inbound_qos2").Inbound.Add(packetId);
        }

        var retained = new List<BrokerMessage>();
        foreach (var (topic, messageId) in Rows(connection, $"SELECT {SqliteSchema.RetainedColumns} FROM retained ORDER BY topic", StoreRows.ReadRetained))
        {
            var message = messages.GetValueOrDefault(messageId) ?? throw Inconsistent($"the retained message of '{topic}' refers to message {messageId}, which is not stored");
            retained.Add(message);
        }

        var maxMessageId = Math.Max(_maxMessageId, messages.Count == 0 ? 0 : messages.Keys.Max());
        var loaded = sessions.Values.Select(parts => parts.ToSession()).ToList();
        var elapsed = (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        LogLoaded(_logger, loaded.Count, deliveryCount, messages.Count, retained.Count, elapsed);
        return new StoredBrokerState(loaded, retained, maxMessageId);
    }

    private static IEnumerable<T> Rows<T>(SqliteConnection connection, string sql, Func<SqliteDataReader, T> read)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            yield return read(reader);
        }
    }

    private SessionParts Owner(Dictionary<string, SessionParts> sessions, string clientId, string table) =>
        sessions.GetValueOrDefault(clientId) ?? throw Inconsistent($"{table} holds rows of client '{clientId}', which has no session row");

    private BrokerStoreException Inconsistent(string finding) =>
        StoreErrors.Unusable(DatabasePath, $"its contents are inconsistent: {finding}");

    [LoggerMessage(EventId = 2090, Level = LogLevel.Information, Message = "Storage: migrated {Path} from schema version {From} to {To}")]
    private static partial void LogMigrated(ILogger logger, string path, long from, int to);

    [LoggerMessage(EventId = 2101, Level = LogLevel.Information, Message = "Storage: created {Path} (schema version {Version})")]
    private static partial void LogCreated(ILogger logger, string path, int version);

    [LoggerMessage(EventId = 2102, Level = LogLevel.Information, Message = "Storage: opened {Path} (schema version {Version}, WAL, synchronous=FULL); quick_check ok in {Milliseconds} ms")]
    private static partial void LogOpened(ILogger logger, string path, int version, long milliseconds);

    [LoggerMessage(EventId = 2103, Level = LogLevel.Information, Message = "Storage: loaded {Sessions} persistent sessions, {Deliveries} deliveries, {Messages} messages, {Retained} retained messages in {Milliseconds} ms")]
    private static partial void LogLoaded(ILogger logger, int sessions, int deliveries, int messages, int retained, long milliseconds);

    private sealed class SessionParts(StoredSession session)
    {
        public string ClientId => session.ClientId;

        public List<StoredSubscription> Subscriptions { get; } = [];

        public List<StoredDelivery> Deliveries { get; } = [];

        public List<ushort> Inbound { get; } = [];

        public StoredSession ToSession() => session with
        {
            Subscriptions = Subscriptions,
            Deliveries = Deliveries,
            InboundQos2PacketIds = Inbound,
        };
    }
}
