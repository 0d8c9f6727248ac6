using Microsoft.Data.Sqlite;

namespace MqttHealth.Broker.Tests.Storage;

/// <summary>
/// A database exactly as a version 1 broker wrote it: its schema SQL frozen here (as it was in SqliteSchema before
/// version 2; never to be edited), WAL journaling, and a few rows of every table, written with plain SQL.
/// </summary>
public static class SchemaVersion1
{
    /// <summary>MQTT 5 session with one subscription (identifier 12) and one queued delivery (message 41).</summary>
    public const string Bed7 = "bed-7";

    /// <summary>MQTT 3.1.1 session that never expires, with inbound QoS 2 packet id 9.</summary>
    public const string Legacy311 = "legacy-311";

    public const string CreateSql = """
        CREATE TABLE meta (
            key TEXT NOT NULL PRIMARY KEY,
            value INTEGER NOT NULL
        );
        CREATE TABLE sessions (
            client_id TEXT NOT NULL PRIMARY KEY,
            protocol_version INTEGER NOT NULL,
            session_expiry_interval INTEGER NOT NULL,
            disconnected_at_unix_ms INTEGER
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
        PRAGMA user_version = 1;
        """;

    /// <summary>Creates broker.db in <paramref name="directory"/> with the version 1 schema and its rows.</summary>
    public static void Create(StorageTestDirectory directory)
    {
        Directory.CreateDirectory(directory.Path);
        using var connection = directory.OpenRaw();
        Execute(connection, "PRAGMA journal_mode = WAL");
        Execute(connection, CreateSql);
        Execute(connection, """
            INSERT INTO sessions VALUES ('bed-7', 5, 3600, 1700000000000), ('legacy-311', 4, 4294967295, NULL);
            INSERT INTO subscriptions VALUES ('bed-7', 'mh/v1/f1/u1/dev42/cmd', 1, 0, 0, 0, 12);
            INSERT INTO messages VALUES (41, 'mh/v1/f1/u1/dev42/cmd', x'7265626f6f74', 1, 0, 'station-1', NULL, NULL, NULL, NULL, NULL, NULL);
            INSERT INTO messages VALUES (42, 'mh/v1/f1/u1/dev42/status', x'6f6e6c696e65', 1, 1, 'bed-7', NULL, 1, 'text/plain', NULL, NULL, NULL);
            INSERT INTO deliveries VALUES ('bed-7', 1, 41, 1, 0, NULL, 0, 0);
            INSERT INTO inbound_qos2 VALUES ('legacy-311', 9);
            INSERT INTO retained VALUES ('mh/v1/f1/u1/dev42/status', 42);
            UPDATE meta SET value = 42 WHERE key = 'max_message_id';
            """);
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
