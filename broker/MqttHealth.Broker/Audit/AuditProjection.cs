using Microsoft.Data.Sqlite;
using MqttHealth.Broker.Security.BreakGlass;

namespace MqttHealth.Broker.Audit;

/// <summary>
/// Keeps audit.db's grants table in step with the BreakGlass* records, in the transaction that appends each record:
/// the table is a projection of the chain (rebuildable from it), not a second source of truth.
/// </summary>
internal static class AuditProjection
{
    public static bool Concerns(AuditEventKind kind) =>
        kind is AuditEventKind.BreakGlassOpened or AuditEventKind.BreakGlassUsed or AuditEventKind.BreakGlassClosed or AuditEventKind.BreakGlassReviewed;

    /// <summary>Applies one record. Throws <see cref="FormatException"/> on a detail that is not a grant's, <see cref="SqliteException"/> on a constraint.</summary>
    public static void Apply(SqliteConnection connection, SqliteTransaction transaction, AuditRecord record)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.Parameters.AddWithValue("$time", record.Time.ToUnixTimeMilliseconds());
        switch (record.Kind)
        {
            case AuditEventKind.BreakGlassOpened:
                BreakGlassGrant grant = BreakGlassRecords.ParseOpened(record);
                command.CommandText = """
                    INSERT INTO grants (id, principal, client_id, request_id, topics, actions, reason, opened_unix_ms, expires_unix_ms)
                    VALUES ($id, $principal, $client, $request, $topics, $actions, $reason, $time, $expires)
                    """;
                command.Parameters.AddWithValue("$id", grant.Id);
                command.Parameters.AddWithValue("$principal", grant.Holder);
                command.Parameters.AddWithValue("$client", grant.ClientId);
                command.Parameters.AddWithValue("$request", grant.RequestId);
                command.Parameters.AddWithValue("$topics", BreakGlassRecords.JsonArray(grant.Topics));
                command.Parameters.AddWithValue("$actions", BreakGlassRecords.JsonArray(grant.Actions.Select(BreakGlassRecords.ActionName)));
                command.Parameters.AddWithValue("$reason", grant.Reason);
                command.Parameters.AddWithValue("$expires", grant.ExpiresAt.ToUnixTimeMilliseconds());
                break;
            case AuditEventKind.BreakGlassUsed:
                command.CommandText = "UPDATE grants SET uses = uses + 1 WHERE id = $id";
                command.Parameters.AddWithValue("$id", BreakGlassRecords.ParseGrantAnd(record, "action").GrantId);
                break;
            case AuditEventKind.BreakGlassClosed:
                (string closedId, string? closeReason) = BreakGlassRecords.ParseGrantAnd(record, "closeReason");
                command.CommandText = "UPDATE grants SET closed_unix_ms = $time, close_reason = $reason WHERE id = $id AND closed_unix_ms IS NULL";
                command.Parameters.AddWithValue("$id", closedId);
                command.Parameters.AddWithValue("$reason", (object?)closeReason ?? DBNull.Value);
                break;
            case AuditEventKind.BreakGlassReviewed:
                (string reviewedId, string? outcome) = BreakGlassRecords.ParseGrantAnd(record, "outcome");
                command.CommandText = "UPDATE grants SET reviewed_unix_ms = $time, reviewer = $reviewer, review_outcome = $outcome, review_note = $note WHERE id = $id";
                command.Parameters.AddWithValue("$id", reviewedId);
                command.Parameters.AddWithValue("$reviewer", (object?)record.Principal ?? DBNull.Value);
                command.Parameters.AddWithValue("$outcome", (object?)outcome ?? DBNull.Value);
                command.Parameters.AddWithValue("$note", (object?)BreakGlassRecords.ParseGrantAnd(record, "note").Value ?? DBNull.Value);
                break;
            default:
                return;
        }

        command.ExecuteNonQuery();
    }
}
