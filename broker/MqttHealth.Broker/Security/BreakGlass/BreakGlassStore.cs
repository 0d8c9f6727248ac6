using Microsoft.Data.Sqlite;
using MqttHealth.Broker.Audit;
using MqttHealth.Broker.Security.Authorization;

namespace MqttHealth.Broker.Security.BreakGlass;

/// <summary>Reads the grants of a data directory from audit.db (the projection of the trail's BreakGlass* records).</summary>
public static class BreakGlassStore
{
    /// <summary>
    /// Every grant, oldest first. Read-only, safe while the broker runs. An audit.db from before grants existed (schema
    /// version 1) has none. Throws <see cref="AuditException"/> when audit.db is missing or cannot be read.
    /// </summary>
    public static IReadOnlyList<BreakGlassGrant> Read(string dataDirectory)
    {
        ArgumentNullException.ThrowIfNull(dataDirectory);
        string path = Path.Combine(dataDirectory, AuditFiles.Database);
        using SqliteConnection connection = AuditDatabase.Open(path, readOnly: true);
        try
        {
            if (AuditDatabase.Scalar(connection, "PRAGMA user_version") < 2)
            {
                return [];
            }

            using SqliteCommand command = connection.CreateCommand();
            command.CommandText = """
                SELECT id, principal, client_id, request_id, topics, actions, reason, opened_unix_ms, expires_unix_ms,
                       closed_unix_ms, close_reason, uses, reviewed_unix_ms, reviewer, review_outcome, review_note
                FROM grants ORDER BY opened_unix_ms, id
                """;
            using SqliteDataReader reader = command.ExecuteReader();
            var grants = new List<BreakGlassGrant>();
            while (reader.Read())
            {
                grants.Add(new BreakGlassGrant(
                    reader.GetString(0),
                    reader.GetString(1),
                    reader.GetString(2),
                    reader.GetString(3),
                    BreakGlassRecords.ReadJsonArray(reader.GetString(4)),
                    [.. BreakGlassRecords.ReadJsonArray(reader.GetString(5)).Select(a => a == "publish" ? TopicAction.Publish : TopicAction.Subscribe)],
                    reader.GetString(6),
                    DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(7)),
                    DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(8)))
                {
                    ClosedAt = reader.IsDBNull(9) ? null : DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(9)),
                    CloseReason = reader.IsDBNull(10) ? null : reader.GetString(10),
                    Uses = reader.GetInt64(11),
                    ReviewedAt = reader.IsDBNull(12) ? null : DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(12)),
                    Reviewer = reader.IsDBNull(13) ? null : reader.GetString(13),
                    ReviewOutcome = reader.IsDBNull(14) ? null : reader.GetString(14),
                    ReviewNote = reader.IsDBNull(15) ? null : reader.GetString(15),
                });
            }

            return grants;
        }
        catch (Exception ex) when (ex is SqliteException or FormatException or System.Text.Json.JsonException or InvalidCastException)
        {
            throw new AuditException($"The grants in {path} cannot be read: {ex.Message}", ex);
        }
    }
}
