using System.Collections.Concurrent;
using System.Globalization;
using Google.Protobuf;
using Microsoft.Data.Sqlite;
using MqttHealth.EdgeAgent.Options;
using MqttHealth.Payloads.Clinical.V1;

namespace MqttHealth.EdgeAgent.Outbox;

/// <summary>
/// The agent's durable state in one SQLite database (<c>outbox.db</c>, WAL, <c>synchronous = FULL</c>, so a commit is
/// on disk when it returns; <c>secure_delete</c>, so deleted rows are overwritten):
/// <list type="bullet">
/// <item><c>pending</c>: accepted readings waiting for their batch (protobuf, plaintext, bounded by the batch window);</item>
/// <item><c>outbox</c>: sealed envelopes, announcements and status messages waiting for their PUBACK/PUBCOMP;</item>
/// <item><c>counters</c>: drops and the other counters of the status, kept across restarts;</item>
/// <item><c>state</c>: the last status snapshot (what <c>mqtthealth-agent status</c> prints).</item>
/// </list>
/// One connection behind one lock: the pipeline (group commits) and the uplink (deletes on acknowledgement) take
/// turns; each call is one transaction.
/// </summary>
public sealed class OutboxStore : IDisposable
{
    /// <summary>What a row costs beyond its payload in the disk budget (row header, index entry, columns).</summary>
    public const int RowOverhead = 64;

    public const string FileName = "outbox.db";

    private const string Schema = """
        CREATE TABLE IF NOT EXISTS pending(id INTEGER PRIMARY KEY AUTOINCREMENT, device TEXT NOT NULL, priority INTEGER NOT NULL,
            reading BLOB NOT NULL, accepted_ms INTEGER NOT NULL);
        CREATE TABLE IF NOT EXISTS outbox(id INTEGER PRIMARY KEY AUTOINCREMENT, priority INTEGER NOT NULL, device TEXT NOT NULL,
            topic TEXT NOT NULL, payload BLOB NOT NULL, qos INTEGER NOT NULL, retain INTEGER NOT NULL, readings INTEGER NOT NULL,
            oldest_ms INTEGER NOT NULL, packet_id INTEGER, pubrec INTEGER NOT NULL DEFAULT 0);
        CREATE INDEX IF NOT EXISTS outbox_order ON outbox(priority, id);
        CREATE INDEX IF NOT EXISTS outbox_session ON outbox(packet_id) WHERE packet_id IS NOT NULL;
        CREATE TABLE IF NOT EXISTS counters(name TEXT PRIMARY KEY, value INTEGER NOT NULL);
        CREATE TABLE IF NOT EXISTS state(key TEXT PRIMARY KEY, value TEXT NOT NULL);
        """;

    private const string UpsertState = "INSERT INTO state(key, value) VALUES (@k, @v) ON CONFLICT(key) DO UPDATE SET value = excluded.value";

    private static readonly Lazy<bool> SqliteReady = new(() =>
    {
        SQLitePCL.Batteries.Init();
        return true;
    });

    private static readonly string[] EntryColumns = ["@p", "@d", "@t", "@b", "@q", "@r", "@n", "@o"];

    private readonly Lock _sync = new();
    private readonly SqliteConnection _connection;
    private readonly OutboxOptions _options;
    private readonly TimeProvider _time;
    private long _bytesUsed;

    private OutboxStore(SqliteConnection connection, OutboxOptions options, TimeProvider time)
    {
        _connection = connection;
        _options = options;
        _time = time;
        _bytesUsed = Scalar(connection, "SELECT (SELECT COALESCE(SUM(length(payload)), 0) + COUNT(*) * @o FROM outbox) + (SELECT COALESCE(SUM(length(reading)), 0) + COUNT(*) * @o FROM pending)", ("@o", RowOverhead));
    }

    /// <summary>Rows the uplink has handed to the MQTT client (in flight, or acknowledged and not yet deleted): never dropped for the budget.</summary>
    public ConcurrentDictionary<long, byte> InFlight { get; } = new();

    /// <summary>What the disk budget counts now.</summary>
    public long BytesUsed => Interlocked.Read(ref _bytesUsed);

    public string Path { get; private init; } = string.Empty;

    /// <summary>Opens (creating when missing) <c>outbox.db</c> in <paramref name="directory"/>.</summary>
    public static OutboxStore Open(string directory, OutboxOptions options, TimeProvider time)
    {
        Directory.CreateDirectory(directory);
        string path = System.IO.Path.Combine(directory, FileName);
        SqliteConnection connection = OpenConnection(path, readOnly: false);
        try
        {
            Execute(connection, "PRAGMA journal_mode = WAL");
            Execute(connection, "PRAGMA synchronous = FULL");
            Execute(connection, "PRAGMA secure_delete = ON");
            Execute(connection, "PRAGMA journal_size_limit = 16777216");
            Execute(connection, Schema);
            return new OutboxStore(connection, options, time) { Path = path };
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>A connection for reading (the <c>status</c> command); the database must exist.</summary>
    public static SqliteConnection OpenConnection(string path, bool readOnly)
    {
        _ = SqliteReady.Value;
        var builder = new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = readOnly ? SqliteOpenMode.ReadOnly : SqliteOpenMode.ReadWriteCreate,
            Pooling = false,
        };
        var connection = new SqliteConnection(builder.ToString());
        connection.Open();
        Execute(connection, "PRAGMA busy_timeout = 10000");
        return connection;
    }

    /// <summary>Readings accepted earlier and not yet sealed, in acceptance order (after a restart).</summary>
    public List<PendingReading> LoadPending()
    {
        lock (_sync)
        {
            var result = new List<PendingReading>();
            using SqliteCommand command = _connection.CreateCommand();
            command.CommandText = "SELECT id, device, priority, reading, accepted_ms FROM pending ORDER BY id";
            using SqliteDataReader reader = command.ExecuteReader();
            while (reader.Read())
            {
                result.Add(new PendingReading(reader.GetInt64(0), reader.GetString(1), (OutboxPriority)reader.GetInt32(2), ClinicalPayload.Parser.ParseFrom((byte[])reader[3]), reader.GetInt64(4)));
            }

            return result;
        }
    }

    /// <summary>
    /// Stores readings in one transaction (group commit): when this returns, each stored one is on disk. Over the disk
    /// budget, the oldest routine outbox messages (vitals, then status) are dropped first; alarms are never dropped and
    /// always stored; a vitals reading that still does not fit is refused.
    /// </summary>
    public List<AcceptOutcome> Accept(IReadOnlyList<(string Device, OutboxPriority Priority, ClinicalPayload Payload)> readings)
    {
        long now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        var encoded = readings.Select(r => r.Payload.ToByteArray()).ToList();
        lock (_sync)
        {
            using SqliteTransaction transaction = _connection.BeginTransaction();
            long needed = encoded.Sum(e => (long)e.Length + RowOverhead);
            long over = Interlocked.Read(ref _bytesUsed) + needed - _options.DiskBudgetBytes;
            if (over > 0)
            {
                over -= DropOldestRoutine(transaction, over);
            }

            var outcomes = new List<AcceptOutcome>(readings.Count);
            using SqliteCommand insert = _connection.CreateCommand();
            insert.Transaction = transaction;
            insert.CommandText = "INSERT INTO pending(device, priority, reading, accepted_ms) VALUES (@d, @p, @r, @t) RETURNING id";
            SqliteParameter device = insert.Parameters.Add("@d", SqliteType.Text);
            SqliteParameter priority = insert.Parameters.Add("@p", SqliteType.Integer);
            SqliteParameter reading = insert.Parameters.Add("@r", SqliteType.Blob);
            insert.Parameters.AddWithValue("@t", now);
            long added = 0;
            for (int i = 0; i < readings.Count; i++)
            {
                long cost = encoded[i].Length + RowOverhead;
                if (over > 0 && readings[i].Priority != OutboxPriority.Alarm)
                {
                    outcomes.Add(new AcceptOutcome(null, string.Create(CultureInfo.InvariantCulture, $"the disk budget ({_options.DiskBudgetBytes} bytes, Agent:Outbox:DiskBudgetBytes) is full of data that may not be dropped; try again later")));
                    over -= cost;
                    continue;
                }

                device.Value = readings[i].Device;
                priority.Value = (int)readings[i].Priority;
                reading.Value = encoded[i];
                long id = (long)insert.ExecuteScalar()!;
                added += cost;
                outcomes.Add(new AcceptOutcome(new PendingReading(id, readings[i].Device, readings[i].Priority, readings[i].Payload, now), null));
            }

            transaction.Commit();
            Interlocked.Add(ref _bytesUsed, added);
            return outcomes;
        }
    }

    /// <summary>
    /// Stores sealed messages and deletes the pending readings they carry, in one transaction, together with
    /// <paramref name="state"/> (key, value) pairs that must be on disk exactly when those messages are.
    /// </summary>
    public void CommitSealed(IReadOnlyList<OutboxEntry> entries, IReadOnlyList<long> sealedPendingIds, IReadOnlyList<(string Key, string Value)>? state = null)
    {
        lock (_sync)
        {
            using SqliteTransaction transaction = _connection.BeginTransaction();
            long delta = Insert(transaction, entries);
            delta -= DeletePending(transaction, sealedPendingIds);
            foreach ((string key, string value) in state ?? [])
            {
                Execute(transaction, UpsertState, ("@k", key), ("@v", value));
            }

            transaction.Commit();
            Interlocked.Add(ref _bytesUsed, delta);
        }
    }

    /// <summary>
    /// Queues the agent's status message, replacing its status messages still waiting on the same topic (only the
    /// newest says anything); devices' sealed statuses are kept.
    /// </summary>
    public void ReplaceStatus(OutboxEntry status)
    {
        ArgumentNullException.ThrowIfNull(status);
        lock (_sync)
        {
            using SqliteTransaction transaction = _connection.BeginTransaction();
            List<(long Id, long Bytes, long Readings)> older = Rows(transaction, "SELECT id, length(payload), readings FROM outbox WHERE priority = @p AND topic = @t", ("@p", (int)OutboxPriority.Status), ("@t", status.Topic));
            long delta = -DeleteRows(transaction, "outbox", "payload", [.. older.Select(r => r.Id)]);
            delta += Insert(transaction, [status]);
            transaction.Commit();
            Interlocked.Add(ref _bytesUsed, delta);
        }
    }

    /// <summary>The first <paramref name="limit"/> messages in send order (priority, then storage order).</summary>
    public List<OutboxRow> Next(int limit) => ReadRows("ORDER BY priority, id LIMIT @n", limit);

    /// <summary>
    /// The messages that hold a Packet Identifier (the MQTT session of the last process), in send order: a restarted
    /// uplink puts them back into the client's session before it connects.
    /// </summary>
    public List<OutboxRow> SessionRows() => ReadRows("WHERE packet_id IS NOT NULL ORDER BY priority, id LIMIT @n", int.MaxValue);

    /// <summary>The Packet Identifiers stored with messages (in use in the broker's view of the session, or about to be).</summary>
    public HashSet<ushort> PacketIdsInUse()
    {
        lock (_sync)
        {
            using SqliteCommand command = _connection.CreateCommand();
            command.CommandText = "SELECT packet_id FROM outbox WHERE packet_id IS NOT NULL";
            using SqliteDataReader reader = command.ExecuteReader();
            var ids = new HashSet<ushort>();
            while (reader.Read())
            {
                ids.Add((ushort)reader.GetInt32(0));
            }

            return ids;
        }
    }

    /// <summary>
    /// Records the Packet Identifiers messages are about to be published under (one transaction, on disk when this
    /// returns), so that after a crash they are resent under the same identifiers (DUP = 1) and never confused with new
    /// messages by the broker's session.
    /// </summary>
    public void AssignPacketIds(IReadOnlyCollection<(long RowId, ushort PacketId)> assignments)
    {
        if (assignments.Count == 0)
        {
            return;
        }

        lock (_sync)
        {
            using SqliteTransaction transaction = _connection.BeginTransaction();
            using SqliteCommand command = _connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = "UPDATE outbox SET packet_id = @k, pubrec = 0 WHERE id = @id";
            SqliteParameter packetId = command.Parameters.Add("@k", SqliteType.Integer);
            SqliteParameter id = command.Parameters.Add("@id", SqliteType.Integer);
            foreach ((long rowId, ushort value) in assignments)
            {
                packetId.Value = (int)value;
                id.Value = rowId;
                command.ExecuteNonQuery();
            }

            transaction.Commit();
        }
    }

    /// <summary>QoS 2: the PUBREC of a message arrived (on disk before the PUBREL goes out).</summary>
    public void MarkPubRecReceived(long rowId)
    {
        lock (_sync)
        {
            Execute(_connection, "UPDATE outbox SET pubrec = 1 WHERE id = @id", ("@id", rowId));
        }
    }

    /// <summary>The broker has no session for us (Session Present = 0): no stored Packet Identifier means anything any more.</summary>
    public void ClearPacketIds()
    {
        lock (_sync)
        {
            Execute(_connection, "UPDATE outbox SET packet_id = NULL, pubrec = 0 WHERE packet_id IS NOT NULL");
        }
    }

    /// <summary>Deletes acknowledged messages (one transaction) and adds <paramref name="counters"/> in the same one.</summary>
    public void Remove(IReadOnlyCollection<long> ids, IReadOnlyDictionary<string, long>? counters = null)
    {
        lock (_sync)
        {
            using SqliteTransaction transaction = _connection.BeginTransaction();
            long freed = DeleteRows(transaction, "outbox", "payload", ids);
            if (counters is not null)
            {
                AddCounters(transaction, counters);
            }

            transaction.Commit();
            Interlocked.Add(ref _bytesUsed, -freed);
        }
    }

    /// <summary>Drops a message the broker refused, counted.</summary>
    public void DropRefused(OutboxRow row)
    {
        lock (_sync)
        {
            using SqliteTransaction transaction = _connection.BeginTransaction();
            long freed = DeleteRows(transaction, "outbox", "payload", [row.Id]);
            AddCounters(transaction, DropCounters(DropReason.Refused, row.Entry.Priority, 1, row.Entry.Readings));
            transaction.Commit();
            Interlocked.Add(ref _bytesUsed, -freed);
        }
    }

    /// <summary>Drops routine messages older than their priority's maximum age; returns how many readings went.</summary>
    public long Expire()
    {
        long now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        long dropped = 0;
        lock (_sync)
        {
            using SqliteTransaction transaction = _connection.BeginTransaction();
            long freed = 0;
            foreach ((OutboxPriority priority, TimeSpan maxAge) in new[] { (OutboxPriority.Vitals, _options.VitalsMaxAge), (OutboxPriority.Status, _options.StatusMaxAge) })
            {
                if (maxAge <= TimeSpan.Zero)
                {
                    continue;
                }

                long cutoff = now - (long)maxAge.TotalMilliseconds;
                List<(long Id, long Bytes, long Readings)> rows = Rows(transaction, "SELECT id, length(payload), readings FROM outbox WHERE priority = @p AND oldest_ms < @c", ("@p", (int)priority), ("@c", cutoff));
                rows.RemoveAll(r => InFlight.ContainsKey(r.Id));
                if (rows.Count == 0)
                {
                    continue;
                }

                freed += DeleteRows(transaction, "outbox", "payload", [.. rows.Select(r => r.Id)]);
                long readings = rows.Sum(r => r.Readings);
                dropped += readings;
                AddCounters(transaction, DropCounters(DropReason.Expired, priority, rows.Count, readings));
            }

            transaction.Commit();
            Interlocked.Add(ref _bytesUsed, -freed);
        }

        return dropped;
    }

    /// <summary>How many messages of <paramref name="priority"/> wait in the outbox.</summary>
    public long QueuedMessages(OutboxPriority priority)
    {
        lock (_sync)
        {
            return Scalar(_connection, "SELECT COUNT(*) FROM outbox WHERE priority = @p", ("@p", (int)priority));
        }
    }

    /// <summary>The queue now (see <see cref="QueueSnapshot"/>).</summary>
    public QueueSnapshot Snapshot()
    {
        lock (_sync)
        {
            return QuerySnapshot(_connection);
        }
    }

    /// <summary>The queue as stored in the database behind <paramref name="connection"/> (also used by the <c>status</c> command).</summary>
    public static QueueSnapshot QuerySnapshot(SqliteConnection connection)
    {
        var messages = Enum.GetValues<OutboxPriority>().ToDictionary(Name, _ => 0L);
        var readings = Enum.GetValues<OutboxPriority>().ToDictionary(Name, _ => 0L);
        long? oldest = null;
        long bytes = 0;
        long pending = 0;
        foreach ((string table, string sql) in new[]
        {
            ("outbox", "SELECT priority, COUNT(*), SUM(readings), MIN(CASE WHEN readings > 0 THEN oldest_ms END), SUM(length(payload)) FROM outbox GROUP BY priority"),
            ("pending", "SELECT priority, 0, COUNT(*), MIN(accepted_ms), SUM(length(reading)) FROM pending GROUP BY priority"),
        })
        {
            using SqliteCommand command = connection.CreateCommand();
            command.CommandText = sql;
            using SqliteDataReader reader = command.ExecuteReader();
            while (reader.Read())
            {
                string name = Name((OutboxPriority)reader.GetInt32(0));
                long count = reader.GetInt64(2);
                messages[name] += reader.GetInt64(1);
                readings[name] += count;
                if (!reader.IsDBNull(3))
                {
                    oldest = Math.Min(oldest ?? long.MaxValue, reader.GetInt64(3));
                }

                bytes += reader.GetInt64(4) + (table == "pending" ? count : reader.GetInt64(1)) * RowOverhead;
                pending += table == "pending" ? count : 0;
            }
        }

        return new QueueSnapshot(messages, readings, oldest, bytes, pending);
    }

    /// <summary>All counters (drops, and what the status service saved).</summary>
    public Dictionary<string, long> ReadCounters()
    {
        lock (_sync)
        {
            return ReadCounters(_connection);
        }
    }

    public static Dictionary<string, long> ReadCounters(SqliteConnection connection)
    {
        var result = new Dictionary<string, long>(StringComparer.Ordinal);
        using SqliteCommand command = connection.CreateCommand();
        command.CommandText = "SELECT name, value FROM counters";
        using SqliteDataReader reader = command.ExecuteReader();
        while (reader.Read())
        {
            result[reader.GetString(0)] = reader.GetInt64(1);
        }

        return result;
    }

    /// <summary>Adds to counters (one transaction).</summary>
    public void AddCounters(IReadOnlyDictionary<string, long> counters)
    {
        lock (_sync)
        {
            using SqliteTransaction transaction = _connection.BeginTransaction();
            AddCounters(transaction, counters);
            transaction.Commit();
        }
    }

    public void SaveState(string key, string value)
    {
        lock (_sync)
        {
            Execute(_connection, UpsertState, ("@k", key), ("@v", value));
        }
    }

    /// <summary>A value of the <c>state</c> table, or null.</summary>
    public string? LoadState(string key)
    {
        lock (_sync)
        {
            return LoadState(_connection, key);
        }
    }

    public static string? LoadState(SqliteConnection connection, string key)
    {
        using SqliteCommand command = connection.CreateCommand();
        command.CommandText = "SELECT value FROM state WHERE key = @k";
        command.Parameters.AddWithValue("@k", key);
        return command.ExecuteScalar() as string;
    }

    /// <summary>Copies the WAL into the database and truncates it, so overwritten plaintext does not linger in old WAL frames.</summary>
    public void Checkpoint()
    {
        lock (_sync)
        {
            Execute(_connection, "PRAGMA wal_checkpoint(TRUNCATE)");
        }
    }

    public void Dispose()
    {
        lock (_sync)
        {
            _connection.Dispose();
        }
    }

    /// <summary>The counter names of one kind of drop: <c>dropped.{reason}.{priority}.messages|readings</c>.</summary>
    public static Dictionary<string, long> DropCounters(DropReason reason, OutboxPriority priority, long messages, long readings)
    {
        string prefix = $"dropped.{reason.ToString().ToLowerInvariant()}.{Name(priority)}";
        return new Dictionary<string, long>(StringComparer.Ordinal) { [prefix + ".messages"] = messages, [prefix + ".readings"] = readings };
    }

    public static string Name(OutboxPriority priority) => priority.ToString().ToLowerInvariant();

    private List<OutboxRow> ReadRows(string clause, int limit)
    {
        lock (_sync)
        {
            using SqliteCommand command = _connection.CreateCommand();
            command.CommandText = "SELECT id, priority, device, topic, payload, qos, retain, readings, oldest_ms, packet_id, pubrec FROM outbox " + clause;
            command.Parameters.AddWithValue("@n", limit);
            using SqliteDataReader reader = command.ExecuteReader();
            var rows = new List<OutboxRow>();
            while (reader.Read())
            {
                rows.Add(new OutboxRow(
                    reader.GetInt64(0),
                    new OutboxEntry((OutboxPriority)reader.GetInt32(1), reader.GetString(2), reader.GetString(3), (byte[])reader[4], reader.GetInt32(5), reader.GetInt32(6) != 0, reader.GetInt32(7), reader.GetInt64(8)),
                    reader.IsDBNull(9) ? (ushort)0 : (ushort)reader.GetInt32(9),
                    reader.GetInt32(10) != 0));
            }

            return rows;
        }
    }

    private long DropOldestRoutine(SqliteTransaction transaction, long wanted)
    {
        long freed = 0;
        foreach (OutboxPriority priority in new[] { OutboxPriority.Vitals, OutboxPriority.Status })
        {
            while (freed < wanted)
            {
                List<(long Id, long Bytes, long Readings)> rows = Rows(transaction, "SELECT id, length(payload), readings FROM outbox WHERE priority = @p ORDER BY id LIMIT 256", ("@p", (int)priority));
                rows.RemoveAll(r => InFlight.ContainsKey(r.Id));
                if (rows.Count == 0)
                {
                    break;
                }

                var chosen = new List<(long Id, long Bytes, long Readings)>();
                foreach ((long Id, long Bytes, long Readings) row in rows)
                {
                    if (freed >= wanted)
                    {
                        break;
                    }

                    chosen.Add(row);
                    freed += row.Bytes + RowOverhead;
                }

                DeleteRows(transaction, "outbox", "payload", [.. chosen.Select(r => r.Id)]);
                AddCounters(transaction, DropCounters(DropReason.DiskBudget, priority, chosen.Count, chosen.Sum(r => r.Readings)));
            }
        }

        Interlocked.Add(ref _bytesUsed, -freed);
        return freed;
    }

    private long Insert(SqliteTransaction transaction, IReadOnlyList<OutboxEntry> entries)
    {
        using SqliteCommand insert = _connection.CreateCommand();
        insert.Transaction = transaction;
        insert.CommandText = "INSERT INTO outbox(priority, device, topic, payload, qos, retain, readings, oldest_ms) VALUES (@p, @d, @t, @b, @q, @r, @n, @o)";
        SqliteParameter[] p = [.. EntryColumns.Select(n => insert.Parameters.Add(new SqliteParameter { ParameterName = n }))];
        long added = 0;
        foreach (OutboxEntry entry in entries)
        {
            p[0].Value = (int)entry.Priority;
            p[1].Value = entry.Device;
            p[2].Value = entry.Topic;
            p[3].Value = entry.Payload;
            p[4].Value = entry.Qos;
            p[5].Value = entry.Retain ? 1 : 0;
            p[6].Value = entry.Readings;
            p[7].Value = entry.OldestMs;
            insert.ExecuteNonQuery();
            added += entry.Payload.Length + RowOverhead;
        }

        return added;
    }

    private long DeletePending(SqliteTransaction transaction, IReadOnlyList<long> ids) => DeleteRows(transaction, "pending", "reading", ids);

    private long DeleteRows(SqliteTransaction transaction, string table, string blobColumn, IReadOnlyCollection<long> ids)
    {
        if (ids.Count == 0)
        {
            return 0;
        }

        using SqliteCommand command = _connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = $"DELETE FROM {table} WHERE id = @id RETURNING length({blobColumn})";
        SqliteParameter id = command.Parameters.Add("@id", SqliteType.Integer);
        long freed = 0;
        foreach (long value in ids)
        {
            id.Value = value;
            if (command.ExecuteScalar() is long length)
            {
                freed += length + RowOverhead;
            }
        }

        return freed;
    }

    private static void AddCounters(SqliteTransaction transaction, IReadOnlyDictionary<string, long> counters)
    {
        using SqliteCommand command = transaction.Connection!.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "INSERT INTO counters(name, value) VALUES (@n, @v) ON CONFLICT(name) DO UPDATE SET value = value + excluded.value";
        SqliteParameter name = command.Parameters.Add("@n", SqliteType.Text);
        SqliteParameter value = command.Parameters.Add("@v", SqliteType.Integer);
        foreach ((string key, long amount) in counters)
        {
            if (amount == 0)
            {
                continue;
            }

            name.Value = key;
            value.Value = amount;
            command.ExecuteNonQuery();
        }
    }

    private static List<(long Id, long Bytes, long Readings)> Rows(SqliteTransaction transaction, string sql, params (string Name, object Value)[] parameters)
    {
        using SqliteCommand command = Command(transaction.Connection!, transaction, sql, parameters);
        using SqliteDataReader reader = command.ExecuteReader();
        var rows = new List<(long, long, long)>();
        while (reader.Read())
        {
            rows.Add((reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2)));
        }

        return rows;
    }

    private static long Scalar(SqliteConnection connection, string sql, params (string Name, object Value)[] parameters)
    {
        using SqliteCommand command = Command(connection, null, sql, parameters);
        return Convert.ToInt64(command.ExecuteScalar() ?? 0L, CultureInfo.InvariantCulture);
    }

    private static void Execute(SqliteConnection connection, string sql, params (string Name, object Value)[] parameters)
    {
        using SqliteCommand command = Command(connection, null, sql, parameters);
        command.ExecuteNonQuery();
    }

    private static void Execute(SqliteTransaction transaction, string sql, params (string Name, object Value)[] parameters)
    {
        using SqliteCommand command = Command(transaction.Connection!, transaction, sql, parameters);
        command.ExecuteNonQuery();
    }

    /// <summary>A command of <paramref name="sql"/> with its parameters, in <paramref name="transaction"/> when given.</summary>
    private static SqliteCommand Command(SqliteConnection connection, SqliteTransaction? transaction, string sql, (string Name, object Value)[] parameters)
    {
        SqliteCommand command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        foreach ((string name, object value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        return command;
    }
}
