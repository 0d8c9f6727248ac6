using System.Text.Json;

namespace MqttHealth.Broker.Security.Authorization;

/// <summary>
/// Reads the policy JSON with <see cref="JsonDocument"/> rather than a serializer, so that every error can name
/// the exact JSON path and say what is wrong. Unknown properties are errors: a misspelt <c>"topic"</c> must not
/// silently leave a rule without topics.
/// </summary>
internal static class PolicyParser
{
    private static readonly JsonDocumentOptions Options = new()
    {
        CommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
    };

    public static AuthorizationPolicy Parse(string json, string source)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, Options);
        }
        catch (JsonException e)
        {
            throw new PolicyException(source, e.Path ?? "$", $"not valid JSON (line {e.LineNumber + 1}, byte {e.BytePositionInLine + 1}): {e.Message}", e);
        }

        using (document)
        {
            JsonElement root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw Error(source, "$", "the policy must be a JSON object with \"roles\" (and optionally \"admins\").");
            }

            string admins = AuthorizationPolicy.DefaultAdminsRole;
            Dictionary<string, PolicyRole>? roles = null;
            BreakGlass.BreakGlassPolicy? breakGlass = null;
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (JsonProperty property in root.EnumerateObject())
            {
                string path = "$." + property.Name;
                if (!seen.Add(property.Name))
                {
                    throw Error(source, path, $"the property \"{property.Name}\" appears twice.");
                }

                switch (property.Name)
                {
                    case "admins":
                        admins = ReadName(source, path, property.Value, "the admins role name");
                        break;
                    case "roles":
                        roles = ReadRoles(source, path, property.Value);
                        break;
                    case "breakGlass":
                        breakGlass = ReadBreakGlass(source, path, property.Value);
                        break;
                    default:
                        throw Error(source, path, $"unknown property \"{property.Name}\" (expected \"admins\", \"roles\" or \"breakGlass\").");
                }
            }

            if (roles is null)
            {
                throw Error(source, "$", "the property \"roles\" is missing (an object of role name to role).");
            }

            if (breakGlass is not null)
            {
                foreach (string role in breakGlass.Roles)
                {
                    if (!roles.ContainsKey(role))
                    {
                        throw Error(source, "$.breakGlass.roles", $"the role \"{role}\" is not defined in \"roles\".");
                    }
                }
            }

            return new AuthorizationPolicy(source, admins, roles, breakGlass);
        }
    }

    private static Dictionary<string, PolicyRole> ReadRoles(string source, string path, JsonElement element)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw Error(source, path, "\"roles\" must be an object of role name to role.");
        }

        var roles = new Dictionary<string, PolicyRole>(StringComparer.Ordinal);
        foreach (JsonProperty property in element.EnumerateObject())
        {
            string rolePath = path + "." + property.Name;
            if (property.Name.Length == 0)
            {
                throw Error(source, rolePath, "a role name must not be empty.");
            }

            if (roles.ContainsKey(property.Name))
            {
                throw Error(source, rolePath, $"the role \"{property.Name}\" is defined twice.");
            }

            roles.Add(property.Name, ReadRole(source, rolePath, property.Name, property.Value));
        }

        return roles;
    }

    /// <summary>
    /// <c>"breakGlass": { "roles": [...], "actions": [...], "topics": [...], "maxMinutes": N, "reasons": [...], "alertTopic": "..." }</c>;
    /// every property is required, so that nobody gets emergency access by an omission.
    /// </summary>
    private static BreakGlass.BreakGlassPolicy ReadBreakGlass(string source, string path, JsonElement element)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw Error(source, path, "\"breakGlass\" must be an object with \"roles\", \"actions\", \"topics\", \"maxMinutes\", \"reasons\" and \"alertTopic\".");
        }

        List<string>? roles = null;
        List<TopicAction>? actions = null;
        List<TopicPattern>? topics = null;
        int? maxMinutes = null;
        List<string>? reasons = null;
        string? alertTopic = null;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (JsonProperty property in element.EnumerateObject())
        {
            string propertyPath = path + "." + property.Name;
            if (!seen.Add(property.Name))
            {
                throw Error(source, propertyPath, $"the property \"{property.Name}\" appears twice.");
            }

            switch (property.Name)
            {
                case "roles":
                    roles = ReadNames(source, propertyPath, property.Value, "\"roles\" must be a non-empty array of role names.");
                    break;
                case "actions":
                    actions = ReadActions(source, propertyPath, property.Value);
                    if (actions.Contains(TopicAction.Retain))
                    {
                        throw Error(source, propertyPath, "a break-glass grant may publish or subscribe, never retain: an emergency must not leave messages behind.");
                    }

                    break;
                case "topics":
                    topics = ReadTopics(source, propertyPath, property.Value);
                    break;
                case "maxMinutes":
                    maxMinutes = property.Value.ValueKind == JsonValueKind.Number && property.Value.TryGetInt32(out int minutes) && minutes is >= 1 and <= 24 * 60
                        ? minutes
                        : throw Error(source, propertyPath, "\"maxMinutes\" must be a whole number of minutes from 1 to 1440 (a day).");
                    break;
                case "reasons":
                    reasons = ReadNames(source, propertyPath, property.Value, "\"reasons\" must be a non-empty array of reason codes.");
                    foreach (string reason in reasons)
                    {
                        if (!BreakGlass.BreakGlassRequest.IsReasonCode(reason))
                        {
                            throw Error(source, propertyPath, $"the reason code \"{reason}\" must be 1 to 64 letters, digits, '-', '_' or '.': codes, not free text, so that no patient data reaches the audit trail.");
                        }
                    }

                    break;
                case "alertTopic":
                    alertTopic = ReadName(source, propertyPath, property.Value, "the alert topic");
                    if (alertTopic.AsSpan().IndexOfAny('+', '#', '\0') >= 0 || alertTopic[0] == '$')
                    {
                        throw Error(source, propertyPath, $"the alert topic \"{Escape(alertTopic)}\" must be a topic name: no '+', '#' or U+0000, and not starting with '$'.");
                    }

                    break;
                default:
                    throw Error(source, propertyPath, $"unknown property \"{property.Name}\" (breakGlass has \"roles\", \"actions\", \"topics\", \"maxMinutes\", \"reasons\" and \"alertTopic\").");
            }
        }

        foreach (string required in (string[])["roles", "actions", "topics", "maxMinutes", "reasons", "alertTopic"])
        {
            if (!seen.Contains(required))
            {
                throw Error(source, path, $"the property \"{required}\" is missing.");
            }
        }

        return new BreakGlass.BreakGlassPolicy(roles!, actions!, topics!, TimeSpan.FromMinutes(maxMinutes!.Value), reasons!, alertTopic!, source);
    }

    private static List<string> ReadNames(string source, string path, JsonElement element, string problem)
    {
        if (element.ValueKind != JsonValueKind.Array || element.GetArrayLength() == 0)
        {
            throw Error(source, path, problem);
        }

        var names = new List<string>();
        int index = 0;
        foreach (JsonElement item in element.EnumerateArray())
        {
            string name = ReadName(source, $"{path}[{index++}]", item, "a name");
            if (!names.Contains(name))
            {
                names.Add(name);
            }
        }

        return names;
    }

    private static PolicyRole ReadRole(string source, string path, string name, JsonElement element)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw Error(source, path, "a role must be an object with \"rules\".");
        }

        List<PolicyRule>? rules = null;
        foreach (JsonProperty property in element.EnumerateObject())
        {
            string propertyPath = path + "." + property.Name;
            if (property.Name != "rules")
            {
                throw Error(source, propertyPath, $"unknown property \"{property.Name}\" (a role has only \"rules\").");
            }

            if (rules is not null)
            {
                throw Error(source, propertyPath, "the property \"rules\" appears twice.");
            }

            if (property.Value.ValueKind != JsonValueKind.Array)
            {
                throw Error(source, propertyPath, "\"rules\" must be an array of rules.");
            }

            rules = [];
            int index = 0;
            foreach (JsonElement rule in property.Value.EnumerateArray())
            {
                rules.Add(ReadRule(source, $"{propertyPath}[{index}]", name, index, rule));
                index++;
            }
        }

        if (rules is null)
        {
            throw Error(source, path, "the property \"rules\" is missing.");
        }

        return new PolicyRole(name, rules);
    }

    private static PolicyRule ReadRule(string source, string path, string role, int index, JsonElement element)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw Error(source, path, "a rule must be an object with \"effect\", \"actions\" and \"topics\".");
        }

        RuleEffect? effect = null;
        List<TopicAction>? actions = null;
        List<TopicPattern>? topics = null;
        foreach (JsonProperty property in element.EnumerateObject())
        {
            string propertyPath = path + "." + property.Name;
            switch (property.Name)
            {
                case "effect" when effect is null:
                    effect = ReadString(source, propertyPath, property.Value) switch
                    {
                        "allow" => RuleEffect.Allow,
                        "deny" => RuleEffect.Deny,
                        string other => throw Error(source, propertyPath, $"unknown effect \"{other}\" (expected \"allow\" or \"deny\")."),
                    };
                    break;
                case "actions" when actions is null:
                    actions = ReadActions(source, propertyPath, property.Value);
                    break;
                case "topics" when topics is null:
                    topics = ReadTopics(source, propertyPath, property.Value);
                    break;
                case "effect" or "actions" or "topics":
                    throw Error(source, propertyPath, $"the property \"{property.Name}\" appears twice.");
                default:
                    throw Error(source, propertyPath, $"unknown property \"{property.Name}\" (a rule has \"effect\", \"actions\" and \"topics\").");
            }
        }

        if (effect is null)
        {
            throw Error(source, path, "the property \"effect\" is missing (\"allow\" or \"deny\").");
        }

        if (actions is null)
        {
            throw Error(source, path, "the property \"actions\" is missing (publish, subscribe, retain).");
        }

        if (topics is null)
        {
            throw Error(source, path, "the property \"topics\" is missing.");
        }

        return new PolicyRule(role, index, effect.Value, actions, topics);
    }

    private static List<TopicAction> ReadActions(string source, string path, JsonElement element)
    {
        if (element.ValueKind != JsonValueKind.Array || element.GetArrayLength() == 0)
        {
            throw Error(source, path, "\"actions\" must be a non-empty array of \"publish\", \"subscribe\", \"retain\".");
        }

        var actions = new List<TopicAction>();
        int index = 0;
        foreach (JsonElement item in element.EnumerateArray())
        {
            string itemPath = $"{path}[{index++}]";
            TopicAction action = ReadString(source, itemPath, item) switch
            {
                "publish" => TopicAction.Publish,
                "subscribe" => TopicAction.Subscribe,
                "retain" => TopicAction.Retain,
                string other => throw Error(source, itemPath, $"unknown action \"{other}\" (expected \"publish\", \"subscribe\" or \"retain\")."),
            };
            if (!actions.Contains(action))
            {
                actions.Add(action);
            }
        }

        return actions;
    }

    private static List<TopicPattern> ReadTopics(string source, string path, JsonElement element)
    {
        if (element.ValueKind != JsonValueKind.Array || element.GetArrayLength() == 0)
        {
            throw Error(source, path, "\"topics\" must be a non-empty array of topic patterns.");
        }

        var topics = new List<TopicPattern>();
        int index = 0;
        foreach (JsonElement item in element.EnumerateArray())
        {
            string itemPath = $"{path}[{index++}]";
            topics.Add(ParsePattern(source, itemPath, ReadString(source, itemPath, item)));
        }

        return topics;
    }

    /// <summary>Parses one topic pattern: MQTT filter syntax (5.0 §4.7.1) plus placeholders inside a level.</summary>
    internal static TopicPattern ParsePattern(string source, string path, string text)
    {
        if (text.Length == 0)
        {
            throw Error(source, path, "a topic pattern must not be empty.");
        }

        if (text.Contains('\0', StringComparison.Ordinal))
        {
            throw Error(source, path, $"the topic pattern \"{Escape(text)}\" contains U+0000, which no topic may contain.");
        }

        if (text[0] == '$')
        {
            throw Error(source, path, $"the topic pattern \"{text}\" starts with '$': topics starting with '$' are for the admins role only and not governed by rules.");
        }

        string[] parts = text.Split('/');
        var levels = new PatternLevel[parts.Length];
        for (int i = 0; i < parts.Length; i++)
        {
            string level = parts[i];
            if (level == "#")
            {
                if (i != parts.Length - 1)
                {
                    throw Error(source, path, $"bad topic pattern \"{text}\": '#' must be the last level.");
                }

                levels[i] = PatternLevel.MultiLevelWildcard;
            }
            else if (level == "+")
            {
                levels[i] = PatternLevel.SingleLevelWildcard;
            }
            else if (level.AsSpan().IndexOfAny('+', '#') >= 0)
            {
                throw Error(source, path, $"bad topic pattern \"{text}\": '+' and '#' must fill a whole level (level {i}: \"{level}\").");
            }
            else if (level.AsSpan().IndexOfAny('{', '}') >= 0)
            {
                levels[i] = new PatternLevel(PatternLevelKind.Template, string.Empty, ParseTemplate(source, path, text, level));
            }
            else
            {
                levels[i] = new PatternLevel(PatternLevelKind.Literal, level, []);
            }
        }

        return new TopicPattern(text, levels);
    }

    private static TemplatePart[] ParseTemplate(string source, string path, string text, string level)
    {
        var parts = new List<TemplatePart>();
        int position = 0;
        while (position < level.Length)
        {
            int open = level.IndexOf('{', position);
            int close = level.IndexOf('}', position);
            if (close >= 0 && (open < 0 || close < open))
            {
                throw Error(source, path, $"bad topic pattern \"{text}\": '}}' without '{{' in level \"{level}\".");
            }

            if (open < 0)
            {
                parts.Add(new TemplatePart(level[position..], default, null));
                break;
            }

            if (open > position)
            {
                parts.Add(new TemplatePart(level[position..open], default, null));
            }

            if (close < 0)
            {
                throw Error(source, path, $"bad topic pattern \"{text}\": '{{' without '}}' in level \"{level}\".");
            }

            string name = level[(open + 1)..close];
            if (name.Contains('{', StringComparison.Ordinal))
            {
                throw Error(source, path, $"bad topic pattern \"{text}\": placeholders cannot nest (level \"{level}\").");
            }

            parts.Add(ParsePlaceholder(source, path, text, name));
            position = close + 1;
        }

        return [.. parts];
    }

    private static TemplatePart ParsePlaceholder(string source, string path, string text, string name)
    {
        if (name == "clientid")
        {
            return new TemplatePart(null, PlaceholderKind.ClientId, null);
        }

        if (name == "username")
        {
            return new TemplatePart(null, PlaceholderKind.Username, null);
        }

        if (name.StartsWith("attr:", StringComparison.Ordinal))
        {
            string attribute = name[5..];
            if (attribute.Length > 0 && attribute.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '_' or '-' or '.'))
            {
                return new TemplatePart(null, PlaceholderKind.Attribute, attribute);
            }

            throw Error(source, path, $"bad placeholder \"{{{name}}}\" in \"{text}\": an attribute name is lower case letters, digits, '_', '-' or '.'.");
        }

        throw Error(source, path, $"unknown placeholder \"{{{name}}}\" in \"{text}\" (expected {{clientid}}, {{username}} or {{attr:NAME}}).");
    }

    private static string ReadString(string source, string path, JsonElement element) =>
        element.ValueKind == JsonValueKind.String
            ? element.GetString()!
            : throw Error(source, path, $"expected a string, found {element.ValueKind}.");

    private static string ReadName(string source, string path, JsonElement element, string what)
    {
        string value = ReadString(source, path, element);
        return value.Length > 0 ? value : throw Error(source, path, what + " must not be empty.");
    }

    private static string Escape(string text) => text.Replace("\0", "\\u0000", StringComparison.Ordinal);

    private static PolicyException Error(string source, string path, string problem) => new(source, path, problem);
}
