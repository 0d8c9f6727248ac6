using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using MqttHealth.Broker.Audit;
using MqttHealth.Broker.Security.Authorization;

namespace MqttHealth.Broker.Security.BreakGlass;

/// <summary>
/// The audit records of a grant's life: opened, used, closed, reviewed. Their <see cref="AuditRecord.Detail"/> is a
/// compact JSON object (docs/break-glass.md shows each), so the trail alone says everything about every grant, and the
/// grants table in audit.db (<see cref="AuditProjection"/>) is rebuilt from it record by record.
/// </summary>
public static class BreakGlassRecords
{
    /// <summary>Review outcomes.</summary>
    public static readonly IReadOnlyList<string> Outcomes = ["justified", "unjustified"];

    public static AuditRecord Opened(BreakGlassGrant grant, string? remote) => new(
        grant.OpenedAt,
        AuditEventKind.BreakGlassOpened,
        grant.HolderName,
        grant.ClientId,
        remote,
        Detail: Json(w =>
        {
            w.WriteString("grant", grant.Id);
            w.WriteString("holder", grant.Holder);
            w.WriteString("requestId", grant.RequestId);
            WriteScope(w, grant);
            w.WriteString("reason", grant.Reason);
            w.WriteString("expires", Iso(grant.ExpiresAt));
        }));

    /// <summary>A use: a subscription or publish the grant allowed (<paramref name="action"/> subscribe or publish), or a delivery (receive).</summary>
    public static AuditRecord Used(DateTimeOffset time, string grantId, string action, string? principal, string? clientId, string? remote, string topic, long? payloadSize, AuditPayloadHash? payloadSha256) => new(
        time,
        AuditEventKind.BreakGlassUsed,
        principal,
        clientId,
        remote,
        topic,
        payloadSize,
        payloadSha256,
        Json(w =>
        {
            w.WriteString("grant", grantId);
            w.WriteString("action", action);
        }));

    public static AuditRecord Closed(DateTimeOffset time, BreakGlassGrant grant, string reason) => new(
        time,
        AuditEventKind.BreakGlassClosed,
        grant.HolderName,
        grant.ClientId,
        Detail: Json(w =>
        {
            w.WriteString("grant", grant.Id);
            w.WriteString("closeReason", reason);
        }));

    public static AuditRecord Reviewed(DateTimeOffset time, string grantId, string reviewer, string outcome, string? note) => new(
        time,
        AuditEventKind.BreakGlassReviewed,
        reviewer,
        Detail: Json(w =>
        {
            w.WriteString("grant", grantId);
            w.WriteString("outcome", outcome);
            if (note is not null)
            {
                w.WriteString("note", note);
            }
        }));

    /// <summary>The alert the privacy office receives when a grant opens or closes: who, what, why, until when; no payload, no patient data.</summary>
    public static byte[] Alert(string @event, BreakGlassGrant grant, DateTimeOffset time) => Encoding.UTF8.GetBytes(Json(w =>
    {
        w.WriteString("event", @event);
        w.WriteString("time", Iso(time));
        w.WriteString("grant", grant.Id);
        w.WriteString("principal", grant.HolderName);
        w.WriteString("holder", grant.Holder);
        w.WriteString("clientId", grant.ClientId);
        WriteScope(w, grant);
        w.WriteString("reason", grant.Reason);
        w.WriteString("opened", Iso(grant.OpenedAt));
        w.WriteString("expires", Iso(grant.ExpiresAt));
        if (grant.CloseReason is { } closeReason)
        {
            w.WriteString("closeReason", closeReason);
        }
    }));

    /// <summary>Reads a BreakGlassOpened record back into the grant it opened. Throws <see cref="FormatException"/> when the detail is not one.</summary>
    public static BreakGlassGrant ParseOpened(AuditRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        using JsonDocument document = Parse(record);
        JsonElement root = document.RootElement;
        var topics = new List<string>();
        foreach (JsonElement topic in Property(root, "topics").EnumerateArray())
        {
            topics.Add(topic.GetString() ?? throw new FormatException("a topic is not a string"));
        }

        var actions = new List<TopicAction>();
        foreach (JsonElement action in Property(root, "actions").EnumerateArray())
        {
            actions.Add(action.GetString() switch
            {
                "publish" => TopicAction.Publish,
                "subscribe" => TopicAction.Subscribe,
                var other => throw new FormatException($"unknown action '{other}'"),
            });
        }

        return new BreakGlassGrant(
            String(root, "grant"),
            String(root, "holder"),
            record.ClientId ?? string.Empty,
            String(root, "requestId"),
            topics,
            actions,
            String(root, "reason"),
            record.Time,
            DateTimeOffset.Parse(String(root, "expires"), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal));
    }

    /// <summary>The grant id of any BreakGlass* record, and the named string property of its detail (null when absent).</summary>
    public static (string GrantId, string? Value) ParseGrantAnd(AuditRecord record, string property)
    {
        ArgumentNullException.ThrowIfNull(record);
        using JsonDocument document = Parse(record);
        JsonElement root = document.RootElement;
        return (String(root, "grant"), root.TryGetProperty(property, out JsonElement value) ? value.GetString() : null);
    }

    /// <summary>A JSON array of strings, as the grants table stores topics and actions.</summary>
    internal static string JsonArray(IEnumerable<string> values)
    {
        var buffer = new ArrayBufferWriter<byte>(128);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartArray();
            foreach (string value in values)
            {
                writer.WriteStringValue(value);
            }

            writer.WriteEndArray();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>Reads a JSON array of strings written by <see cref="JsonArray"/>.</summary>
    internal static List<string> ReadJsonArray(string json)
    {
        using JsonDocument document = JsonDocument.Parse(json);
        var values = new List<string>();
        foreach (JsonElement item in document.RootElement.EnumerateArray())
        {
            values.Add(item.GetString() ?? throw new FormatException("not a string"));
        }

        return values;
    }

    /// <summary>A grant's <c>topics</c> and <c>actions</c> arrays, as the opening record and the alert carry them.</summary>
    private static void WriteScope(Utf8JsonWriter w, BreakGlassGrant grant)
    {
        w.WriteStartArray("topics");
        foreach (string topic in grant.Topics)
        {
            w.WriteStringValue(topic);
        }

        w.WriteEndArray();
        w.WriteStartArray("actions");
        foreach (TopicAction action in grant.Actions)
        {
            w.WriteStringValue(ActionName(action));
        }

        w.WriteEndArray();
    }

    internal static string ActionName(TopicAction action) => action == TopicAction.Publish ? "publish" : "subscribe";

    private static string Iso(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    private static JsonDocument Parse(AuditRecord record)
    {
        try
        {
            return JsonDocument.Parse(record.Detail ?? throw new FormatException($"a {record.Kind} record without detail"));
        }
        catch (JsonException ex)
        {
            throw new FormatException($"the detail of a {record.Kind} record is not JSON: {ex.Message}", ex);
        }
    }

    private static JsonElement Property(JsonElement root, string name) =>
        root.ValueKind == JsonValueKind.Object && root.TryGetProperty(name, out JsonElement value) ? value : throw new FormatException($"the property '{name}' is missing");

    private static string String(JsonElement root, string name) =>
        Property(root, name) is { ValueKind: JsonValueKind.String } value ? value.GetString()! : throw new FormatException($"the property '{name}' is not a string");

    private static string Json(Action<Utf8JsonWriter> write)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            write(writer);
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
