using Microsoft.Data.Sqlite;
using MqttHealth.Broker.Storage;

namespace MqttHealth.Broker.Audit;

/*
 * audit.db, separate from broker.db so that its retention, export and backup are independent. WAL with
 * synchronous=FULL like the broker store (a committed batch survives power loss). Schema version 1:
 *
 *   records(seq, time_unix_ms, record, leaf, root)   seq from 1 = leaf index + 1; record = canonical bytes
 *                                                    (AuditRecordEncoding); leaf = SHA-256(0x00||record);
 *                                                    root = Merkle root of the tree of seq leaves (the chain).
 *                                                    time_unix_ms repeats the record's time for pruning and
 *                                                    export --since; verify checks it against the bytes.
 *   checkpoints(tree_size, root, time_unix_ms, signature)
 *   state(id = 1, tree_size, frontier, base_size, base_frontier)
 *                                                    the writer's frontier (so opening does not re-read
 *                                                    everything) and, after pruning, the frontier at the
 *                                                    checkpoint the pruned prefix ended at.
 *
 *
 * Schema version 2 adds two tables that are not part of the chain:
 *
 *   inbox(id, time_unix_ms, record)                  records handed in by another process (the users and
 *                                                    breakglass commands) while the broker holds the writer
 *                                                    lock; the writer moves them into records, in id order,
 *                                                    and deletes them in the same transaction (exactly once).
 *   grants(...)                                      break-glass grants as the chain's BreakGlass* records
 *                                                    describe them (a projection the writer keeps in the same
 *                                                    transaction as each record), so 'breakglass list' and a
 *                                                    starting broker need not scan the whole trail.
 *
 * Triggers refuse UPDATE and DELETE on records and checkpoints: a guard against mistakes, not against an
 * attacker (who can drop them); tamper evidence comes from the hashes and signatures. Pruning drops and
 * re-creates the delete trigger inside its transaction.
 */
internal static class AuditDatabase
{
    public const int Version = 2;

    public const string NoDeleteTrigger = "CREATE TRIGGER records_no_delete BEFORE DELETE ON records BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END";

    private const string CreateSql = """
        CREATE TABLE records (
            seq INTEGER PRIMARY KEY,
            time_unix_ms INTEGER NOT NULL,
            record BLOB NOT NULL,
            leaf BLOB NOT NULL,
            root BLOB NOT NULL
        );
        CREATE TABLE checkpoints (
            tree_size INTEGER PRIMARY KEY,
            root BLOB NOT NULL,
            time_unix_ms INTEGER NOT NULL,
            signature BLOB NOT NULL
        );
        CREATE TABLE state (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            tree_size INTEGER NOT NULL,
            frontier BLOB NOT NULL,
            base_size INTEGER NOT NULL,
            base_frontier BLOB NOT NULL
        );
        INSERT INTO state (id, tree_size, frontier, base_size, base_frontier) VALUES (1, 0, x'', 0, x'');
        CREATE TRIGGER records_no_update BEFORE UPDATE ON records BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
        CREATE TRIGGER records_no_delete BEFORE DELETE ON records BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
        CREATE TRIGGER checkpoints_no_update BEFORE UPDATE ON checkpoints BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
        CREATE TRIGGER checkpoints_no_delete BEFORE DELETE ON checkpoints BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
        PRAGMA user_version = 1;
        """;

    // Version 1 to 2: the inbox and the grants projection (see the comment on top).
    private const string UpgradeTo2Sql = """
        CREATE TABLE inbox (
            id INTEGER PRIMARY KEY,
            time_unix_ms INTEGER NOT NULL,
            record BLOB NOT NULL
        );
        CREATE TABLE grants (
            id TEXT PRIMARY KEY,
            principal TEXT NOT NULL,
            client_id TEXT NOT NULL,
            request_id TEXT NOT NULL,
            topics TEXT NOT NULL,
            actions TEXT NOT NULL,
            reason TEXT NOT NULL,
            opened_unix_ms INTEGER NOT NULL,
            expires_unix_ms INTEGER NOT NULL,
            closed_unix_ms INTEGER,
            close_reason TEXT,
            uses INTEGER NOT NULL DEFAULT 0,
            reviewed_unix_ms INTEGER,
            reviewer TEXT,
            review_outcome TEXT,
            review_note TEXT,
            UNIQUE (principal, request_id)
        );
        PRAGMA user_version = 2;
        """;

    /// <summary>Opens audit.db for writing (creating it) or reading; throws <see cref="AuditException"/> naming the file and the reason.</summary>
    public static SqliteConnection Open(string path, bool readOnly)
    {
        if (Directory.Exists(path))
        {
            throw new AuditException($"The audit database {path} cannot be used: a directory is in its place.");
        }

        if (readOnly && !File.Exists(path))
        {
            throw new AuditException($"The audit database {path} does not exist.");
        }

        SqliteProvider.EnsureInitialized();
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = readOnly ? SqliteOpenMode.ReadOnly : SqliteOpenMode.ReadWriteCreate,
            Pooling = false,
        }.ToString());
        try
        {
            connection.Open();
            if (!readOnly && SQLitePCL.raw.sqlite3_db_readonly(connection.Handle, "main") == 1)
            {
                throw new AuditException($"The audit database {path} cannot be used: this user may read but not write it.");
            }

            var version = Scalar(connection, "PRAGMA user_version");
            if (version > Version)
            {
                throw new AuditException($"The audit database {path} has schema version {version}; this broker reads only version {Version}.");
            }

            if (!readOnly)
            {
                Execute(connection, "PRAGMA journal_mode = WAL");
                Execute(connection, "PRAGMA synchronous = FULL");
                if (version < Version)
                {
                    using var transaction = connection.BeginTransaction();
                    if (version == 0)
                    {
                        Execute(connection, CreateSql, transaction);
                    }

                    Execute(connection, UpgradeTo2Sql, transaction);
                    transaction.Commit();
                }
            }
            else if (version == 0)
            {
                throw new AuditException($"The audit database {path} holds no audit log (schema version 0).");
            }

            using var check = connection.CreateCommand();
            check.CommandText = "PRAGMA quick_check";
            var result = check.ExecuteScalar() as string;
            if (result != "ok")
            {
                throw new AuditException($"The audit database {path} is damaged: PRAGMA quick_check reports {result}.");
            }

            return connection;
        }
        catch (Exception ex)
        {
            connection.Dispose();
            if (ex is SqliteException or IOException or UnauthorizedAccessException)
            {
                throw new AuditException($"The audit database {path} cannot be used: {StoreErrors.Describe(ex)}.", ex);
            }

            throw;
        }
    }

    public static void Execute(SqliteConnection connection, string sql, SqliteTransaction? transaction = null)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    public static long Scalar(SqliteConnection connection, string sql, SqliteTransaction? transaction = null)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        return command.ExecuteScalar() is long value ? value : 0;
    }

    public static (long TreeSize, byte[] Frontier, long BaseSize, byte[] BaseFrontier) ReadState(SqliteConnection connection, SqliteTransaction? transaction = null)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "SELECT tree_size, frontier, base_size, base_frontier FROM state WHERE id = 1";
        using var reader = command.ExecuteReader();
        if (!reader.Read())
        {
            throw new FormatException("the state row is missing");
        }

        return (reader.GetInt64(0), (byte[])reader.GetValue(1), reader.GetInt64(2), (byte[])reader.GetValue(3));
    }

    public static List<AuditCheckpoint> ReadCheckpoints(SqliteConnection connection)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT tree_size, root, time_unix_ms, signature FROM checkpoints ORDER BY tree_size";
        using var reader = command.ExecuteReader();
        var checkpoints = new List<AuditCheckpoint>();
        while (reader.Read())
        {
            checkpoints.Add(new AuditCheckpoint(
                reader.GetInt64(0),
                Convert.ToHexStringLower((byte[])reader.GetValue(1)),
                DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(2)),
                Convert.ToBase64String((byte[])reader.GetValue(3))));
        }

        return checkpoints;
    }
}
