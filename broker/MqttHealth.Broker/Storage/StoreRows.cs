using Microsoft.Data.Sqlite;
using MqttHealth.Broker.Messages;
using MqttHealth.Mqtt.Protocol;

namespace MqttHealth.Broker.Storage;

/*
 * Reading one row of each table, shared by SqliteBrokerStore.Load and the recover command. Every column
 * is checked for its SQLite storage class and range: a page that SQLite can still parse may hold garbage
 * after damage, and such a row must be refused (FormatException), not turned into a delivery with QoS 7.
 * The column order is SqliteSchema's *Columns constants.
 */
internal static class StoreRows
{
    public static StoredSession ReadSession(SqliteDataReader row) => new(
        Text(row, 0, "sessions.client_id"),
        ProtocolVersion(Integer(row, 1, "sessions.protocol_version")),
        checked((uint)Range(row, 2, "sessions.session_expiry_interval", 0, uint.MaxValue)),
        OptionalInteger(row, 3, "sessions.disconnected_at_unix_ms"),
        OptionalText(row, 4, "sessions.owner"));

    public static (string ClientId, StoredSubscription Subscription) ReadSubscription(SqliteDataReader row)
    {
        var clientId = Text(row, 0, "subscriptions.client_id");
        var identifier = OptionalInteger(row, 6, "subscriptions.subscription_identifier");
        if (identifier is < 1 or > 268_435_455)
        {
            // 5.0 §3.8.2.1.2: a Subscription Identifier is 1 to 268,435,455.
            throw Malformed("subscriptions.subscription_identifier", identifier.Value);
        }

        return (clientId, new StoredSubscription(
            Text(row, 1, "subscriptions.topic_filter"),
            (QualityOfService)Range(row, 2, "subscriptions.maximum_qos", 0, 2),
            Boolean(row, 3, "subscriptions.no_local"),
            Boolean(row, 4, "subscriptions.retain_as_published"),
            (RetainHandling)Range(row, 5, "subscriptions.retain_handling", 0, 2),
            (uint?)identifier));
    }

    public static BrokerMessage ReadMessage(SqliteDataReader row)
    {
        var payloadFormat = OptionalInteger(row, 7, "messages.payload_format");
        if (payloadFormat is < 0 or > 1)
        {
            throw Malformed("messages.payload_format", payloadFormat.Value);
        }

        var correlation = OptionalBlob(row, 10, "messages.correlation_data");
        var userProperties = OptionalBlob(row, 11, "messages.user_properties");
        return new BrokerMessage(
            Integer(row, 0, "messages.id"),
            Text(row, 1, "messages.topic"),
            Blob(row, 2, "messages.payload"),
            (QualityOfService)Range(row, 3, "messages.qos", 0, 2),
            Boolean(row, 4, "messages.retain"),
            OptionalText(row, 5, "messages.publisher_client_id"),
            OptionalInteger(row, 6, "messages.expires_at_unix_ms"),
            (PayloadFormat?)payloadFormat,
            OptionalText(row, 8, "messages.content_type"),
            OptionalText(row, 9, "messages.response_topic"),
            correlation is null ? (ReadOnlyMemory<byte>?)null : correlation,
            userProperties is null ? null : StoreValueCodec.DecodeUserProperties(userProperties));
    }

    public static DeliveryRow ReadDelivery(SqliteDataReader row)
    {
        var identifiers = OptionalBlob(row, 5, "deliveries.subscription_ids");
        return new DeliveryRow(
            Text(row, 0, "deliveries.client_id"),
            Integer(row, 1, "deliveries.sequence"),
            Integer(row, 2, "deliveries.message_id"),
            (QualityOfService)Range(row, 3, "deliveries.qos", 0, 2),
            Boolean(row, 4, "deliveries.retain"),
            identifiers is null ? [] : StoreValueCodec.DecodeSubscriptionIdentifiers(identifiers),
            (DeliveryState)Range(row, 6, "deliveries.state", 0, 2),
            (ushort)Range(row, 7, "deliveries.packet_id", 0, ushort.MaxValue));
    }

    public static (string ClientId, ushort PacketId) ReadInbound(SqliteDataReader row) =>
        (Text(row, 0, "inbound_qos2.client_id"), (ushort)Range(row, 1, "inbound_qos2.packet_id", 1, ushort.MaxValue));

    public static (string Topic, long MessageId) ReadRetained(SqliteDataReader row) =>
        (Text(row, 0, "retained.topic"), Integer(row, 1, "retained.message_id"));

    public static (string Key, long Value) ReadMeta(SqliteDataReader row) =>
        (Text(row, 0, "meta.key"), Integer(row, 1, "meta.value"));

    private static MqttProtocolVersion ProtocolVersion(long value) => value switch
    {
        (long)MqttProtocolVersion.V311 => MqttProtocolVersion.V311,
        (long)MqttProtocolVersion.V500 => MqttProtocolVersion.V500,
        _ => throw Malformed("sessions.protocol_version", value),
    };

    private static long Integer(SqliteDataReader row, int ordinal, string column)
    {
        if (row.IsDBNull(ordinal) || row.GetFieldType(ordinal) != typeof(long))
        {
            throw new FormatException($"{column} is not an integer.");
        }

        return row.GetInt64(ordinal);
    }

    private static long? OptionalInteger(SqliteDataReader row, int ordinal, string column) =>
        row.IsDBNull(ordinal) ? null : Integer(row, ordinal, column);

    private static long Range(SqliteDataReader row, int ordinal, string column, long min, long max)
    {
        var value = Integer(row, ordinal, column);
        return value < min || value > max ? throw Malformed(column, value) : value;
    }

    private static bool Boolean(SqliteDataReader row, int ordinal, string column) => Range(row, ordinal, column, 0, 1) == 1;

    private static string Text(SqliteDataReader row, int ordinal, string column)
    {
        if (row.IsDBNull(ordinal) || row.GetFieldType(ordinal) != typeof(string))
        {
            throw new FormatException($"{column} is not text.");
        }

        return row.GetString(ordinal);
    }

    private static string? OptionalText(SqliteDataReader row, int ordinal, string column) =>
        row.IsDBNull(ordinal) ? null : Text(row, ordinal, column);

    private static byte[] Blob(SqliteDataReader row, int ordinal, string column)
    {
        if (row.IsDBNull(ordinal) || row.GetFieldType(ordinal) != typeof(byte[]))
        {
            throw new FormatException($"{column} is not a blob.");
        }

        return row.GetFieldValue<byte[]>(ordinal);
    }

    private static byte[]? OptionalBlob(SqliteDataReader row, int ordinal, string column) =>
        row.IsDBNull(ordinal) ? null : Blob(row, ordinal, column);

    private static FormatException Malformed(string column, long value) => new($"{column} holds {value}, which is out of range.");
}
