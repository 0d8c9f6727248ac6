using Microsoft.Data.Sqlite;

namespace MqttHealth.Broker.Storage;

/*
 * The broker database's schema, version 2 (PRAGMA user_version). Documented in docs/broker-storage.md;
 * a change here is a new version with a migration, never an edit of an earlier version.
 *
 * History: version 1 (the first); version 2 added sessions.owner, the principal a client id belongs to
 * (null for a session stored by version 1: the first principal to connect with its client id claims it).
 * A database of an earlier version is migrated in place when the broker opens it (Migrate), in one
 * transaction: a failure leaves it as it was.
 *
 * Messages are stored once and referenced by deliveries and by the retained table. Every table is a
 * rowid table (no WITHOUT ROWID) so that the recover command can walk any table in rowid order and step
 * over a damaged page (see SqliteSalvage). Foreign keys are deferred: the engine may write a delivery
 * before its session row within one batch, and the check runs at COMMIT, so a batch that would leave a
 * dangling reference fails as a whole instead of storing something Load could not resolve.
 */
internal static class SqliteSchema
{
    /// <summary>The schema version this broker writes and reads.</summary>
    public const int Version = 2;

    public const string DatabaseFileName = "broker.db";

    public const string LockFileName = "broker.lock";

    public const string MaxMessageIdKey = "max_message_id";

    public const string RecoverCommand = "mqtthealth-broker recover --data";

    /// <summary>Tables in the order the recover command reads and writes them (parents first).</summary>
    public static readonly string[] Tables = ["meta", "sessions", "subscriptions", "messages", "deliveries", "inbound_qos2", "retained"];

    private const string CreateSql = """
        CREATE TABLE meta (
            key TEXT NOT NULL PRIMARY KEY,
            value INTEGER NOT NULL
        );
        CREATE TABLE sessions (
            client_id TEXT NOT NULL PRIMARY KEY,
            protocol_version INTEGER NOT NULL,
            session_expiry_interval INTEGER NOT NULL,
            disconnected_at_unix_ms INTEGER,
            owner TEXT
        );
        CREATE TABLE subscriptions (
            client_id TEXT NOT NULL REFERENCES sessions (client_id) DEFERRABLE INITIALLY DEFERRED,
            topic_filter TEXT NOT NULL,
            maximum_qos INTEGER NOT NULL,
            no_local INTEGER NOT NULL,
            retain_as_published INTEGER NOT NULL,
            retain_handling INTEGER NOT NULL,
            subscription_identifier INTEGER,
            UNIQUE (client_id, topic_filter)
        );
        CREATE TABLE messages (
            id INTEGER PRIMARY KEY,
            topic TEXT NOT NULL,
            payload BLOB NOT NULL,
            qos INTEGER NOT NULL,
            retain INTEGER NOT NULL,
            publisher_client_id TEXT,
            expires_at_unix_ms INTEGER,
            payload_format INTEGER,
            content_type TEXT,
            response_topic TEXT,
            correlation_data BLOB,
            user_properties BLOB
        );
        CREATE TABLE deliveries (
            client_id TEXT NOT NULL REFERENCES sessions (client_id) DEFERRABLE INITIALLY DEFERRED,
            sequence INTEGER NOT NULL,
            message_id INTEGER NOT NULL REFERENCES messages (id) DEFERRABLE INITIALLY DEFERRED,
            qos INTEGER NOT NULL,
            retain INTEGER NOT NULL,
            subscription_ids BLOB,
            state INTEGER NOT NULL,
            packet_id INTEGER NOT NULL,
            UNIQUE (client_id, sequence)
        );
        CREATE INDEX deliveries_by_message ON deliveries (message_id);
        CREATE TABLE inbound_qos2 (
            client_id TEXT NOT NULL REFERENCES sessions (client_id) DEFERRABLE INITIALLY DEFERRED,
            packet_id INTEGER NOT NULL,
            UNIQUE (client_id, packet_id)
        );
        CREATE TABLE retained (
            topic TEXT NOT NULL PRIMARY KEY,
            message_id INTEGER NOT NULL REFERENCES messages (id) DEFERRABLE INITIALLY DEFERRED
        );
        CREATE INDEX retained_by_message ON retained (message_id);
        INSERT INTO meta (key, value) VALUES ('max_message_id', 0);
        PRAGMA user_version = 2;
        """;

    /// <summary>
    /// Migrations[v - 1] turns a version v database into version v + 1. Each only adds (a column with no value
    /// for the existing rows), so the rows of the earlier version keep their meaning.
    /// </summary>
    private static readonly string[] Migrations =
    [
        // 1 -> 2: the owner of a session. Existing sessions have none (NULL) until their next CONNECT claims them.
        "ALTER TABLE sessions ADD COLUMN owner TEXT",
    ];

    // Columns in the order SqliteBrokerStore.Load and the recover command read them.
    public const string SessionColumns = "client_id, protocol_version, session_expiry_interval, disconnected_at_unix_ms, owner";

    /// <summary>The session columns of a version 1 database (no owner column), for the recover command; read in the order of <see cref="SessionColumns"/>.</summary>
    public const string SessionColumnsVersion1 = "client_id, protocol_version, session_expiry_interval, disconnected_at_unix_ms, NULL AS owner";

    public const string SubscriptionColumns = "client_id, topic_filter, maximum_qos, no_local, retain_as_published, retain_handling, subscription_identifier";

    public const string MessageColumns = "id, topic, payload, qos, retain, publisher_client_id, expires_at_unix_ms, payload_format, content_type, response_topic, correlation_data, user_properties";

    public const string DeliveryColumns = "client_id, sequence, message_id, qos, retain, subscription_ids, state, packet_id";

    public const string InboundColumns = "client_id, packet_id";

    public const string RetainedColumns = "topic, message_id";

    public const string MetaColumns = "key, value";

    public static string ConnectionString(string databasePath, SqliteOpenMode mode) =>
        new SqliteConnectionStringBuilder
        {
            DataSource = databasePath,
            Mode = mode,

            // A pooled connection would keep the file open (and the WAL unmerged) after Dispose.
            Pooling = false,
        }.ToString();

    /// <summary>Creates the current schema in an empty database, in one transaction.</summary>
    public static void Create(SqliteConnection connection)
    {
        using var transaction = connection.BeginTransaction();
        using (var command = connection.CreateCommand())
        {
            command.Transaction = transaction;
            command.CommandText = CreateSql;
            command.ExecuteNonQuery();
        }

        transaction.Commit();
    }

    /// <summary>
    /// Migrates a database of version <paramref name="from"/> (1 to <see cref="Version"/> - 1) to <see cref="Version"/>
    /// in one transaction, the new user_version included: it is migrated whole or not at all.
    /// </summary>
    public static void Migrate(SqliteConnection connection, long from)
    {
        if (from < 1 || from >= Version)
        {
            throw new ArgumentOutOfRangeException(nameof(from), from, $"Only versions 1 to {Version - 1} are migrated.");
        }

        using var transaction = connection.BeginTransaction();
        using (var command = connection.CreateCommand())
        {
            command.Transaction = transaction;
            for (var version = from; version < Version; version++)
            {
                command.CommandText = Migrations[version - 1];
                command.ExecuteNonQuery();
            }

            command.CommandText = $"PRAGMA user_version = {Version.ToString(System.Globalization.CultureInfo.InvariantCulture)}";
            command.ExecuteNonQuery();
        }

        transaction.Commit();
    }

    /// <summary>True when <paramref name="table"/> has the column <paramref name="column"/> (false when the schema cannot be read).</summary>
    public static bool HasColumn(SqliteConnection connection, string table, string column)
    {
        try
        {
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT count(*) FROM pragma_table_info($table) WHERE name = $column";
            command.Parameters.AddWithValue("$table", table);
            command.Parameters.AddWithValue("$column", column);
            return Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture) > 0;
        }
        catch (SqliteException)
        {
            return false;
        }
    }

    public static long ExecuteInt64(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }

    public static string? ExecuteString(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar() as string;
    }

    public static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    /// <summary>Names of the tables in the database (sqlite_master), for telling a foreign or partial schema apart.</summary>
    public static HashSet<string> ExistingTables(SqliteConnection connection)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'";
        using var reader = command.ExecuteReader();
        var names = new HashSet<string>(StringComparer.Ordinal);
        while (reader.Read())
        {
            names.Add(reader.GetString(0));
        }

        return names;
    }

    /// <summary>Runs PRAGMA quick_check; returns null when it says ok, else its first few findings.</summary>
    public static string? QuickCheck(SqliteConnection connection)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA quick_check(5)";
        using var reader = command.ExecuteReader();
        var findings = new List<string>();
        while (reader.Read())
        {
            findings.Add(reader.IsDBNull(0) ? "(null)" : reader.GetString(0));
        }

        return findings is ["ok"] ? null : string.Join("; ", findings);
    }
}
