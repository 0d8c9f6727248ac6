using System.Globalization;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;
using MqttHealth.Broker.Messages;
using MqttHealth.Mqtt.Protocol;

namespace MqttHealth.Broker.Storage;

/*
 * `mqtthealth-broker recover --data DIR`: salvages what is readable from a damaged broker.db into a fresh
 * database so the broker can start again, and says exactly what was lost.
 *
 * The original is never modified or deleted:
 *   1. broker.db (and its -wal / -journal) are copied byte for byte to broker.db.corrupt-<UTC time>.
 *   2. The copy is opened read-only and every table is read row by row (SqliteSalvage), stepping over
 *      damaged pages.
 *   3. The rows are made consistent (a delivery whose message was lost cannot be delivered; a session whose
 *      row was lost but whose subscriptions survived is rebuilt) and written by SqliteBrokerStore.Apply
 *      into broker.db.recovering, which is then opened and loaded exactly as the broker will.
 *   4. Only then is broker.db replaced, by an atomic rename; the original's WAL is removed first (its
 *      copy is kept) so that it can never be replayed into the new file.
 * A failure before step 4 leaves broker.db as it was. The data directory lock keeps a running broker and
 * the recover command apart.
 */
public static class SqliteStoreRecovery
{
    /// <summary>Exit code: the new database was written (the report says whether anything was lost).</summary>
    public const int Recovered = 0;

    /// <summary>Exit code: nothing was done (no database, in use, newer schema, I/O failure); the original is unchanged.</summary>
    public const int Failed = 1;

    private static readonly string[] CompanionSuffixes = ["-wal", "-journal"];

    /// <summary>Runs the recover command on <paramref name="dataDirectory"/>; returns the process exit code.</summary>
    /// <param name="dataDirectory">The broker's data directory (holding broker.db).</param>
    /// <param name="output">Where the report goes.</param>
    /// <param name="error">Where failures and the data-loss warning go.</param>
    public static int Run(string dataDirectory, TextWriter output, TextWriter error)
    {
        var directory = Path.GetFullPath(dataDirectory);
        var databasePath = Path.Combine(directory, SqliteSchema.DatabaseFileName);
        output.WriteLine($"mqtthealth-broker recover: {databasePath}");
        if (!Directory.Exists(directory))
        {
            error.WriteLine($"recover: the data directory {directory} does not exist; there is nothing to recover.");
            return Failed;
        }

        if (Directory.Exists(databasePath))
        {
            error.WriteLine(
                $"recover: {databasePath} is a directory, not a database file, so there is nothing in it to salvage. " +
                "Move it out of the way; the broker then creates a fresh database when it starts.");
            return Failed;
        }

        if (!File.Exists(databasePath))
        {
            error.WriteLine($"recover: there is no database at {databasePath}; there is nothing to recover (the broker creates a fresh one when it starts).");
            return Failed;
        }

        DataDirectoryLock? directoryLock;
        string lockPath;
        try
        {
            directoryLock = DataDirectoryLock.TryAcquire(directory, out lockPath);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            error.WriteLine($"recover: cannot take the data directory lock: {ex.Message}. Nothing was changed.");
            return Failed;
        }

        if (directoryLock is null)
        {
            error.WriteLine($"recover: another process holds {lockPath}: a broker (or another recover) is running on {directory}. Stop it first; nothing was changed.");
            return Failed;
        }

        using (directoryLock)
        {
            var scratchPath = databasePath + ".recovering";
            try
            {
                return RunLocked(databasePath, scratchPath, output, error);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or SqliteException or BrokerStoreException)
            {
                CleanUp(() => DeleteWithCompanions(scratchPath));
                error.WriteLine($"recover: failed: {(ex is SqliteException sqlite ? StoreErrors.Sqlite(sqlite) : ex.Message)}");
                error.WriteLine($"recover: {databasePath} was not changed.");
                return Failed;
            }
        }
    }

    private static int RunLocked(string databasePath, string scratchPath, TextWriter output, TextWriter error)
    {
        SqliteProvider.EnsureInitialized();

        // 1. Keep the original: a byte-for-byte copy under a name that says what it is and when.
        var stamp = DateTimeOffset.UtcNow.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
        var keptPath = UniquePath($"{databasePath}.corrupt-{stamp}");
        var kept = new List<string>();
        try
        {
            File.Copy(databasePath, keptPath);
            kept.Add(keptPath);
            foreach (var suffix in CompanionSuffixes)
            {
                if (File.Exists(databasePath + suffix))
                {
                    File.Copy(databasePath + suffix, keptPath + suffix);
                    kept.Add(keptPath + suffix);
                }
            }
        }
        catch
        {
            CleanUp(() => DeleteAll(kept));
            throw;
        }

        // 2. and 3. Salvage from the copy and build the new database beside the original. Until step 4 the
        // original is untouched; on any failure the copy goes again, so nothing is left behind.
        SalvageResult salvage;
        RecoveryPlan plan;
        StoredBrokerState state;
        try
        {
            salvage = Salvage(keptPath);

            // Reading a WAL-mode file makes SQLite create a -shm index (and an empty -wal if there was none):
            // not part of the original, so they go.
            File.Delete(keptPath + "-shm");
            if (!kept.Contains(keptPath + "-wal"))
            {
                File.Delete(keptPath + "-wal");
            }

            if (salvage.SchemaVersion > SqliteSchema.Version)
            {
                DeleteAll(kept);
                error.WriteLine(
                    $"recover: {databasePath} has schema version {salvage.SchemaVersion}, newer than this broker's {SqliteSchema.Version}: it was written by a newer mqtthealth-broker. " +
                    "Run that version's recover command; this one would drop what it does not understand. Nothing was changed.");
                return Failed;
            }

            // Consistent rows, written by the broker's own store code...
            plan = RecoveryPlan.Build(salvage, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
            DeleteWithCompanions(scratchPath);
            using (var target = new SqliteBrokerStore(scratchPath, takeLock: false, NullLogger.Instance))
            {
                target.Apply(plan.Operations);
                target.RaiseMaxMessageId(plan.MaxMessageId);
            }

            // ...and read back the way the broker will at start-up.
            using (var check = new SqliteBrokerStore(scratchPath, takeLock: false, NullLogger.Instance))
            {
                state = check.Load();
            }

            foreach (var suffix in CompanionSuffixes)
            {
                if (File.Exists(scratchPath + suffix))
                {
                    throw new IOException($"{scratchPath}{suffix} is still there after the new database was closed; not replacing {databasePath}.");
                }
            }
        }
        catch
        {
            CleanUp(() => DeleteWithCompanions(keptPath));
            throw;
        }

        // 4. Swap. The original's WAL and index go first (copies are kept): a stale WAL next to the new file
        // would be replayed into it.
        foreach (var suffix in new[] { "-wal", "-journal", "-shm" })
        {
            File.Delete(databasePath + suffix);
        }

        File.Move(scratchPath, databasePath, overwrite: true);

        RecoveryReport.Write(output, error, databasePath, kept, salvage, plan, state);
        return Recovered;
    }

    private static SalvageResult Salvage(string path)
    {
        var result = new SalvageResult();
        using var source = new SqliteConnection(SqliteSchema.ConnectionString(path, SqliteOpenMode.ReadOnly));
        try
        {
            source.Open();

            // Reading only. writable_schema also lets SQLite open a file shorter than its header says (a
            // truncated file is otherwise refused whole) and go as far as the pages that are there.
            SqliteSchema.Execute(source, "PRAGMA writable_schema = ON");
            result.SchemaVersion = SqliteSchema.ExecuteInt64(source, "PRAGMA user_version");
        }
        catch (SqliteException ex)
        {
            result.HeaderError = StoreErrors.Sqlite(ex);
        }

        if (result.HeaderError is null)
        {
            if (result.SchemaVersion > SqliteSchema.Version)
            {
                return result;
            }

            try
            {
                result.QuickCheck = SqliteSchema.QuickCheck(source) ?? "ok";
            }
            catch (SqliteException ex)
            {
                result.QuickCheck = StoreErrors.Sqlite(ex);
            }
        }

        result.Meta = Read(source, result, "meta", SqliteSchema.MetaColumns, StoreRows.ReadMeta);
        // A version 1 database has no sessions.owner: its sessions are read with no owner, as the broker's migration leaves them.
        var sessionColumns = result.HeaderError is null && !SqliteSchema.HasColumn(source, "sessions", "owner") && result.SchemaVersion < 2
            ? SqliteSchema.SessionColumnsVersion1
            : SqliteSchema.SessionColumns;
        result.Sessions = Read(source, result, "sessions", sessionColumns, StoreRows.ReadSession);
        result.Subscriptions = Read(source, result, "subscriptions", SqliteSchema.SubscriptionColumns, StoreRows.ReadSubscription);
        result.Messages = Read(source, result, "messages", SqliteSchema.MessageColumns, StoreRows.ReadMessage);
        result.Deliveries = Read(source, result, "deliveries", SqliteSchema.DeliveryColumns, StoreRows.ReadDelivery);
        result.Inbound = Read(source, result, "inbound_qos2", SqliteSchema.InboundColumns, StoreRows.ReadInbound);
        result.Retained = Read(source, result, "retained", SqliteSchema.RetainedColumns, StoreRows.ReadRetained);
        return result;
    }

    private static List<T> Read<T>(SqliteConnection source, SalvageResult result, string table, string columns, Func<SqliteDataReader, T> read)
    {
        var stats = new SalvagedTable(table);
        result.Tables.Add(stats);
        if (result.HeaderError is not null)
        {
            stats.Failure = result.HeaderError;
            return [];
        }

        return SqliteSalvage.ReadTable(source, table, columns, read, stats);
    }

    private static string UniquePath(string path)
    {
        var candidate = path;
        for (var i = 2; File.Exists(candidate) || Directory.Exists(candidate); i++)
        {
            candidate = $"{path}-{i.ToString(CultureInfo.InvariantCulture)}";
        }

        return candidate;
    }

    /// <summary>Best-effort removal of what this command created, while an earlier failure is being reported.</summary>
    private static void CleanUp(Action delete)
    {
        try
        {
            delete();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // A leftover file of our own is harmless; the first failure is what the operator needs to see.
        }
    }

    private static void DeleteAll(List<string> paths)
    {
        foreach (var path in paths)
        {
            File.Delete(path);
        }
    }

    private static void DeleteWithCompanions(string path)
    {
        foreach (var suffix in new[] { string.Empty, "-wal", "-journal", "-shm" })
        {
            File.Delete(path + suffix);
        }
    }

    /// <summary>Everything read from the damaged database.</summary>
    internal sealed class SalvageResult
    {
        public long SchemaVersion { get; set; }

        public string? HeaderError { get; set; }

        public string? QuickCheck { get; set; }

        public List<SalvagedTable> Tables { get; } = [];

        public List<(string Key, long Value)> Meta { get; set; } = [];

        public List<StoredSession> Sessions { get; set; } = [];

        public List<(string ClientId, StoredSubscription Subscription)> Subscriptions { get; set; } = [];

        public List<BrokerMessage> Messages { get; set; } = [];

        public List<DeliveryRow> Deliveries { get; set; } = [];

        public List<(string ClientId, ushort PacketId)> Inbound { get; set; } = [];

        public List<(string Topic, long MessageId)> Retained { get; set; } = [];
    }

    /// <summary>The salvaged rows made consistent, as store operations, with what had to be dropped or rebuilt.</summary>
    internal sealed class RecoveryPlan
    {
        public List<StoreOperation> Operations { get; } = [];

        public long MaxMessageId { get; private set; }

        public int DeliveriesWithoutMessage { get; private set; }

        public int RetainedWithoutMessage { get; private set; }

        public int Duplicates { get; private set; }

        public int UnreferencedMessages { get; private set; }

        public List<string> RebuiltSessions { get; } = [];

        public static RecoveryPlan Build(SalvageResult salvage, long nowUnixMs)
        {
            var plan = new RecoveryPlan();
            var messages = new Dictionary<long, BrokerMessage>();
            foreach (var message in salvage.Messages)
            {
                if (!messages.TryAdd(message.Id, message))
                {
                    plan.Duplicates++;
                }
            }

            var sessions = new Dictionary<string, StoredSession>(StringComparer.Ordinal);
            foreach (var session in salvage.Sessions)
            {
                if (!sessions.TryAdd(session.ClientId, session))
                {
                    plan.Duplicates++;
                }
            }

            var children = new List<StoreOperation>();
            var referenced = new HashSet<long>();
            var subscriptionKeys = new HashSet<(string, string)>();
            foreach (var (clientId, subscription) in salvage.Subscriptions)
            {
                if (subscriptionKeys.Add((clientId, subscription.TopicFilter)))
                {
                    children.Add(new SaveSubscription(clientId, subscription));
                    plan.EnsureSession(sessions, clientId, nowUnixMs);
                }
                else
                {
                    plan.Duplicates++;
                }
            }

            var deliveryKeys = new HashSet<(string, long)>();
            foreach (var row in salvage.Deliveries)
            {
                if (!deliveryKeys.Add((row.ClientId, row.Sequence)))
                {
                    plan.Duplicates++;
                }
                else if (messages.GetValueOrDefault(row.MessageId) is not { } message)
                {
                    plan.DeliveriesWithoutMessage++;
                }
                else
                {
                    children.Add(new SaveDelivery(row.ClientId, row.ToDelivery(message)));
                    referenced.Add(message.Id);
                    plan.EnsureSession(sessions, row.ClientId, nowUnixMs);
                }
            }

            var inboundKeys = new HashSet<(string, ushort)>();
            foreach (var (clientId, packetId) in salvage.Inbound)
            {
                if (inboundKeys.Add((clientId, packetId)))
                {
                    children.Add(new SaveInboundQos2(clientId, packetId));
                    plan.EnsureSession(sessions, clientId, nowUnixMs);
                }
                else
                {
                    plan.Duplicates++;
                }
            }

            var retainedTopics = new HashSet<string>(StringComparer.Ordinal);
            foreach (var (topic, messageId) in salvage.Retained)
            {
                if (!retainedTopics.Add(topic))
                {
                    plan.Duplicates++;
                }
                else if (messages.GetValueOrDefault(messageId) is { } message && message.Topic == topic)
                {
                    children.Add(new SetRetained(message));
                    referenced.Add(message.Id);
                }
                else
                {
                    plan.RetainedWithoutMessage++;
                }
            }

            plan.Operations.AddRange(sessions.Values.Select(session => new SaveSession(session)));
            plan.Operations.AddRange(children);
            plan.UnreferencedMessages = messages.Keys.Count(id => !referenced.Contains(id));

            // Ids must never repeat: keep the old high-water mark, and never go below an id actually seen.
            var metaMax = salvage.Meta.Where(m => m.Key == SqliteSchema.MaxMessageIdKey).Select(m => m.Value).DefaultIfEmpty(0).Max();
            var seenMax = salvage.Messages.Select(m => m.Id).Concat(salvage.Deliveries.Select(d => d.MessageId)).Concat(salvage.Retained.Select(r => r.MessageId)).DefaultIfEmpty(0).Max();
            plan.MaxMessageId = Math.Max(0, Math.Max(metaMax, seenMax));
            return plan;
        }

        private void EnsureSession(Dictionary<string, StoredSession> sessions, string clientId, long nowUnixMs)
        {
            if (!sessions.ContainsKey(clientId))
            {
                // The session row is lost but what hangs under it survived. Rebuilt so that the client still gets
                // its messages; its settings are unknown, so it is kept until the client connects again (which
                // sets them anew) or an operator removes it. Its owner is unknown too: the first principal to
                // connect with the client id claims it (as for a session stored by schema version 1).
                sessions.Add(clientId, new StoredSession(clientId, MqttProtocolVersion.V500, uint.MaxValue, nowUnixMs));
                RebuiltSessions.Add(clientId);
            }
        }
    }
}
