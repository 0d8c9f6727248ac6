using System.Text;
using System.Text.Json;
using MqttHealth.Broker.Security.Authorization;
using MqttHealth.Mqtt.Topics;

namespace MqttHealth.Broker.Security.BreakGlass;

/// <summary>
/// A request on a break-glass control topic (docs/break-glass.md), parsed strictly: unknown properties, a missing
/// property, a topic that is not a plain filter or a free-text reason are errors that name the problem.
/// </summary>
public sealed class BreakGlassRequest
{
    /// <summary>The control topic a grant is opened with.</summary>
    public const string OpenTopic = "$mqtthealth/breakglass/open";

    /// <summary>The control topic a grant is closed early with.</summary>
    public const string CloseTopic = "$mqtthealth/breakglass/close";

    /// <summary>The prefix of every control topic the broker handles itself.</summary>
    public const string ControlPrefix = "$mqtthealth/";

    /// <summary>The largest request payload.</summary>
    public const int MaxPayloadBytes = 4096;

    /// <summary>The most topic filters one grant may name.</summary>
    public const int MaxTopics = 16;

    private BreakGlassRequest(bool isOpen, string requestId, IReadOnlyList<string> topics, IReadOnlyList<TopicAction> actions, string reason, int minutes, string grantId)
    {
        IsOpen = isOpen;
        RequestId = requestId;
        Topics = topics;
        Actions = actions;
        Reason = reason;
        Minutes = minutes;
        GrantId = grantId;
    }

    /// <summary>True for an open request, false for a close request.</summary>
    public bool IsOpen { get; }

    public string RequestId { get; }

    public IReadOnlyList<string> Topics { get; }

    public IReadOnlyList<TopicAction> Actions { get; }

    public string Reason { get; }

    public int Minutes { get; }

    /// <summary>The grant a close request ends.</summary>
    public string GrantId { get; }

    /// <summary>A reason code or request id: 1 to 64 ASCII letters, digits, '-', '_', '.' or ':'.</summary>
    public static bool IsReasonCode(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (value.Length is 0 or > 64)
        {
            return false;
        }

        foreach (char c in value)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or ':'))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// Parses the payload of a PUBLISH to <paramref name="topic"/>. Open: <c>{"requestId", "topics", "actions", "reason",
    /// "minutes"}</c>; close: <c>{"grant"}</c>. Returns null and sets <paramref name="error"/> when it is not a valid request.
    /// </summary>
    public static BreakGlassRequest? TryParse(string topic, ReadOnlySpan<byte> payload, out string? error)
    {
        ArgumentNullException.ThrowIfNull(topic);
        bool open = topic == OpenTopic;
        if (!open && topic != CloseTopic)
        {
            error = $"unknown control topic '{topic}' (expected {OpenTopic} or {CloseTopic})";
            return null;
        }

        if (payload.Length > MaxPayloadBytes)
        {
            error = $"the request is {payload.Length} bytes; at most {MaxPayloadBytes}";
            return null;
        }

        try
        {
            var reader = new Utf8JsonReader(payload, new JsonReaderOptions { MaxDepth = 4 });
            using var document = JsonDocument.ParseValue(ref reader);
            error = null;
            return open ? ParseOpen(document.RootElement, ref error) : ParseClose(document.RootElement, ref error);
        }
        catch (JsonException ex)
        {
            error = "the request is not JSON: " + ex.Message;
            return null;
        }
    }

    private static BreakGlassRequest? ParseOpen(JsonElement root, ref string? error)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            error = "the request must be a JSON object";
            return null;
        }

        string? requestId = null;
        string? reason = null;
        int? minutes = null;
        List<string>? topics = null;
        List<TopicAction>? actions = null;
        foreach (JsonProperty property in root.EnumerateObject())
        {
            switch (property.Name)
            {
                case "requestId" when requestId is null:
                    requestId = property.Value.ValueKind == JsonValueKind.String ? property.Value.GetString() : null;
                    if (requestId is null || !IsReasonCode(requestId))
                    {
                        error = "\"requestId\" must be 1 to 64 letters, digits, '-', '_', '.' or ':' (a UUID will do)";
                        return null;
                    }

                    break;
                case "reason" when reason is null:
                    reason = property.Value.ValueKind == JsonValueKind.String ? property.Value.GetString() : null;
                    if (reason is null || !IsReasonCode(reason))
                    {
                        error = "\"reason\" must be one of the policy's reason codes (a code, not free text)";
                        return null;
                    }

                    break;
                case "minutes" when minutes is null:
                    if (property.Value.ValueKind != JsonValueKind.Number || !property.Value.TryGetInt32(out int value) || value < 1)
                    {
                        error = "\"minutes\" must be a whole number of minutes, at least 1";
                        return null;
                    }

                    minutes = value;
                    break;
                case "topics" when topics is null:
                    topics = ReadTopics(property.Value, ref error);
                    if (topics is null)
                    {
                        return null;
                    }

                    break;
                case "actions" when actions is null:
                    actions = ReadActions(property.Value, ref error);
                    if (actions is null)
                    {
                        return null;
                    }

                    break;
                case "requestId" or "reason" or "minutes" or "topics" or "actions":
                    error = $"the property \"{property.Name}\" appears twice";
                    return null;
                default:
                    error = $"unknown property \"{property.Name}\" (an open request has requestId, topics, actions, reason and minutes)";
                    return null;
            }
        }

        if (requestId is null || topics is null || actions is null || reason is null || minutes is null)
        {
            error = "an open request needs requestId, topics, actions, reason and minutes";
            return null;
        }

        return new BreakGlassRequest(true, requestId, topics, actions, reason, minutes.Value, string.Empty);
    }

    private static BreakGlassRequest? ParseClose(JsonElement root, ref string? error)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            error = "the request must be a JSON object";
            return null;
        }

        string? grant = null;
        foreach (JsonProperty property in root.EnumerateObject())
        {
            if (property.Name != "grant" || grant is not null || property.Value.ValueKind != JsonValueKind.String)
            {
                error = "a close request is {\"grant\": \"bg-...\"} and nothing else";
                return null;
            }

            grant = property.Value.GetString();
        }

        if (grant is null || !IsReasonCode(grant))
        {
            error = "a close request is {\"grant\": \"bg-...\"} and nothing else";
            return null;
        }

        return new BreakGlassRequest(false, string.Empty, [], [], string.Empty, 0, grant);
    }

    private static List<string>? ReadTopics(JsonElement element, ref string? error)
    {
        if (element.ValueKind != JsonValueKind.Array || element.GetArrayLength() is 0 or > MaxTopics)
        {
            error = $"\"topics\" must be an array of 1 to {MaxTopics} topic filters";
            return null;
        }

        var topics = new List<string>();
        foreach (JsonElement item in element.EnumerateArray())
        {
            string? filter = item.ValueKind == JsonValueKind.String ? item.GetString() : null;
            if (filter is null || filter.Length == 0 || filter.Length > 1024 || filter[0] == '$' || filter.AsSpan().IndexOfAny('{', '}') >= 0
                || !MqttTopic.IsValidTopicFilter(Encoding.UTF8.GetBytes(filter)))
            {
                error = $"\"{filter}\" is not a topic filter a grant can cover (valid MQTT filter syntax, not starting with '$', no braces)";
                return null;
            }

            if (!topics.Contains(filter))
            {
                topics.Add(filter);
            }
        }

        return topics;
    }

    private static List<TopicAction>? ReadActions(JsonElement element, ref string? error)
    {
        if (element.ValueKind != JsonValueKind.Array || element.GetArrayLength() == 0)
        {
            error = "\"actions\" must be a non-empty array of \"publish\" and \"subscribe\"";
            return null;
        }

        var actions = new List<TopicAction>();
        foreach (JsonElement item in element.EnumerateArray())
        {
            TopicAction? action = item.ValueKind == JsonValueKind.String
                ? item.GetString() switch
                {
                    "publish" => TopicAction.Publish,
                    "subscribe" => TopicAction.Subscribe,
                    _ => null,
                }
                : null;
            if (action is null)
            {
                error = "\"actions\" must be a non-empty array of \"publish\" and \"subscribe\"";
                return null;
            }

            if (!actions.Contains(action.Value))
            {
                actions.Add(action.Value);
            }
        }

        return actions;
    }
}
