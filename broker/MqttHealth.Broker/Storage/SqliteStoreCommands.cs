using System.Runtime.InteropServices;
using Microsoft.Data.Sqlite;
using MqttHealth.Broker.Messages;

namespace MqttHealth.Broker.Storage;

/*
 * The statements SqliteBrokerStore.Apply runs, created once per connection. A SqliteCommand prepares its
 * statement on first execution and keeps it while its text does not change, so each write is a rebind
 * of parameter values and a step: no SQL is built or parsed per operation.
 */
internal sealed class SqliteStoreCommands : IDisposable
{
    private readonly List<SqliteCommand> _all = [];

    private readonly Statement _upsertSession;
    private readonly Statement _selectSessionMessages;
    private readonly Statement _deleteSessionDeliveries;
    private readonly Statement _deleteSessionSubscriptions;
    private readonly Statement _deleteSessionInbound;
    private readonly Statement _deleteSession;
    private readonly Statement _upsertSubscription;
    private readonly Statement _deleteSubscription;
    private readonly Statement _insertMessage;
    private readonly Statement _selectDelivery;
    private readonly Statement _upsertDelivery;
    private readonly Statement _deleteDelivery;
    private readonly Statement _insertInbound;
    private readonly Statement _deleteInbound;
    private readonly Statement _selectRetained;
    private readonly Statement _upsertRetained;
    private readonly Statement _deleteRetained;
    private readonly Statement _deleteOrphan;
    private readonly Statement _updateMaxMessageId;

    public SqliteStoreCommands(SqliteConnection connection)
    {
        _upsertSession = Create(
            connection,
            "INSERT INTO sessions (client_id, protocol_version, session_expiry_interval, disconnected_at_unix_ms, owner) VALUES ($p0, $p1, $p2, $p3, $p4) " +
            "ON CONFLICT (client_id) DO UPDATE SET protocol_version = excluded.protocol_version, " +
            "session_expiry_interval = excluded.session_expiry_interval, disconnected_at_unix_ms = excluded.disconnected_at_unix_ms, owner = excluded.owner",
            5);
        _selectSessionMessages = Create(connection, "SELECT DISTINCT message_id FROM deliveries WHERE client_id = $p0", 1);
        _deleteSessionDeliveries = Create(connection, "DELETE FROM deliveries WHERE client_id = $p0", 1);
        _deleteSessionSubscriptions = Create(connection, "DELETE FROM subscriptions WHERE client_id = $p0", 1);
        _deleteSessionInbound = Create(connection, "DELETE FROM inbound_qos2 WHERE client_id = $p0", 1);
        _deleteSession = Create(connection, "DELETE FROM sessions WHERE client_id = $p0", 1);
        _upsertSubscription = Create(
            connection,
            "INSERT INTO subscriptions (client_id, topic_filter, maximum_qos, no_local, retain_as_published, retain_handling, subscription_identifier) " +
            "VALUES ($p0, $p1, $p2, $p3, $p4, $p5, $p6) ON CONFLICT (client_id, topic_filter) DO UPDATE SET maximum_qos = excluded.maximum_qos, " +
            "no_local = excluded.no_local, retain_as_published = excluded.retain_as_published, retain_handling = excluded.retain_handling, " +
            "subscription_identifier = excluded.subscription_identifier",
            7);
        _deleteSubscription = Create(connection, "DELETE FROM subscriptions WHERE client_id = $p0 AND topic_filter = $p1", 2);
        _insertMessage = Create(
            connection,
            "INSERT OR IGNORE INTO messages (id, topic, payload, qos, retain, publisher_client_id, expires_at_unix_ms, payload_format, " +
            "content_type, response_topic, correlation_data, user_properties) VALUES ($p0, $p1, $p2, $p3, $p4, $p5, $p6, $p7, $p8, $p9, $p10, $p11)",
            12);
        _selectDelivery = Create(connection, "SELECT message_id FROM deliveries WHERE client_id = $p0 AND sequence = $p1", 2);
        _upsertDelivery = Create(
            connection,
            "INSERT INTO deliveries (client_id, sequence, message_id, qos, retain, subscription_ids, state, packet_id) VALUES ($p0, $p1, $p2, $p3, $p4, $p5, $p6, $p7) " +
            "ON CONFLICT (client_id, sequence) DO UPDATE SET message_id = excluded.message_id, qos = excluded.qos, retain = excluded.retain, " +
            "subscription_ids = excluded.subscription_ids, state = excluded.state, packet_id = excluded.packet_id",
            8);
        _deleteDelivery = Create(connection, "DELETE FROM deliveries WHERE client_id = $p0 AND sequence = $p1", 2);
        _insertInbound = Create(connection, "INSERT OR IGNORE INTO inbound_qos2 (client_id, packet_id) VALUES ($p0, $p1)", 2);
        _deleteInbound = Create(connection, "DELETE FROM inbound_qos2 WHERE client_id = $p0 AND packet_id = $p1", 2);
        _selectRetained = Create(connection, "SELECT message_id FROM retained WHERE topic = $p0", 1);
        _upsertRetained = Create(
            connection,
            "INSERT INTO retained (topic, message_id) VALUES ($p0, $p1) ON CONFLICT (topic) DO UPDATE SET message_id = excluded.message_id",
            2);
        _deleteRetained = Create(connection, "DELETE FROM retained WHERE topic = $p0", 1);

        // Both NOT EXISTS probes use an index (deliveries_by_message, retained_by_message).
        _deleteOrphan = Create(
            connection,
            "DELETE FROM messages WHERE id = $p0 AND NOT EXISTS (SELECT 1 FROM deliveries WHERE message_id = $p0) " +
            "AND NOT EXISTS (SELECT 1 FROM retained WHERE message_id = $p0)",
            1);
        _updateMaxMessageId = Create(connection, $"UPDATE meta SET value = $p0 WHERE key = '{SqliteSchema.MaxMessageIdKey}' AND value < $p0", 1);
    }

    /// <summary>Commands must name the connection's current transaction (a Microsoft.Data.Sqlite rule).</summary>
    public void Enlist(SqliteTransaction? transaction)
    {
        foreach (var command in _all)
        {
            command.Transaction = transaction;
        }
    }

    public void UpsertSession(StoredSession session) =>
        _upsertSession.Execute(session.ClientId, (long)session.ProtocolVersion, (long)session.SessionExpiryInterval, session.DisconnectedAtUnixMs, session.Owner);

    /// <summary>Deletes the session and everything under it; adds the messages its deliveries referenced to <paramref name="released"/>.</summary>
    public void DeleteSession(string clientId, HashSet<long> released)
    {
        _selectSessionMessages.ReadInt64s(released, clientId);
        _deleteSessionDeliveries.Execute(clientId);
        _deleteSessionSubscriptions.Execute(clientId);
        _deleteSessionInbound.Execute(clientId);
        _deleteSession.Execute(clientId);
    }

    public void UpsertSubscription(string clientId, StoredSubscription subscription) =>
        _upsertSubscription.Execute(
            clientId,
            subscription.TopicFilter,
            (long)subscription.MaximumQoS,
            subscription.NoLocal ? 1L : 0L,
            subscription.RetainAsPublished ? 1L : 0L,
            (long)subscription.RetainHandling,
            (long?)subscription.SubscriptionIdentifier);

    public void DeleteSubscription(string clientId, string topicFilter) => _deleteSubscription.Execute(clientId, topicFilter);

    public void InsertMessage(BrokerMessage message) =>
        _insertMessage.Execute(
            message.Id,
            message.Topic,
            ToArray(message.Payload),
            (long)message.QoS,
            message.Retain ? 1L : 0L,
            message.PublisherClientId,
            message.ExpiresAtUnixMs,
            (long?)message.PayloadFormat,
            message.ContentType,
            message.ResponseTopic,
            message.CorrelationData is { } correlation ? ToArray(correlation) : null,
            StoreValueCodec.EncodeUserProperties(message.UserProperties));

    public long? SelectDeliveryMessage(string clientId, long sequence) => _selectDelivery.ReadInt64(clientId, sequence);

    public void UpsertDelivery(string clientId, StoredDelivery delivery) =>
        _upsertDelivery.Execute(
            clientId,
            delivery.Sequence,
            delivery.Message.Id,
            (long)delivery.QoS,
            delivery.Retain ? 1L : 0L,
            StoreValueCodec.EncodeSubscriptionIdentifiers(delivery.SubscriptionIdentifiers),
            (long)delivery.State,
            (long)delivery.PacketId);

    public void DeleteDelivery(string clientId, long sequence) => _deleteDelivery.Execute(clientId, sequence);

    public void InsertInbound(string clientId, ushort packetId) => _insertInbound.Execute(clientId, (long)packetId);

    public void DeleteInbound(string clientId, ushort packetId) => _deleteInbound.Execute(clientId, (long)packetId);

    public long? SelectRetainedMessage(string topic) => _selectRetained.ReadInt64(topic);

    public void UpsertRetained(string topic, long messageId) => _upsertRetained.Execute(topic, messageId);

    public void DeleteRetained(string topic) => _deleteRetained.Execute(topic);

    public void DeleteMessageIfOrphaned(long messageId) => _deleteOrphan.Execute(messageId);

    public void RaiseMaxMessageId(long value) => _updateMaxMessageId.Execute(value);

    public void Dispose()
    {
        foreach (var command in _all)
        {
            command.Dispose();
        }

        _all.Clear();
    }

    /// <summary>The bytes as an array, without copying when the memory already is a whole array (the usual case).</summary>
    private static byte[] ToArray(ReadOnlyMemory<byte> memory) =>
        MemoryMarshal.TryGetArray(memory, out var segment) && segment.Array is { } array && segment.Offset == 0 && segment.Count == array.Length
            ? array
            : memory.ToArray();

    private Statement Create(SqliteConnection connection, string sql, int parameterCount)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        var parameters = new SqliteParameter[parameterCount];
        for (var i = 0; i < parameterCount; i++)
        {
            parameters[i] = command.Parameters.Add(new SqliteParameter { ParameterName = "$p" + i.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        }

        _all.Add(command);
        return new Statement(command, parameters);
    }

    private readonly struct Statement(SqliteCommand command, SqliteParameter[] parameters)
    {
        public void Execute(params ReadOnlySpan<object?> values)
        {
            Bind(values);
            command.ExecuteNonQuery();
        }

        public long? ReadInt64(params ReadOnlySpan<object?> values)
        {
            Bind(values);
            using var reader = command.ExecuteReader();
            return reader.Read() ? reader.GetInt64(0) : null;
        }

        public void ReadInt64s(HashSet<long> into, params ReadOnlySpan<object?> values)
        {
            Bind(values);
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                into.Add(reader.GetInt64(0));
            }
        }

        private void Bind(ReadOnlySpan<object?> values)
        {
            for (var i = 0; i < values.Length; i++)
            {
                // No SqliteType is set: the value's own type decides (string TEXT, byte[] BLOB, long INTEGER).
                parameters[i].Value = values[i] ?? DBNull.Value;
            }
        }
    }
}
