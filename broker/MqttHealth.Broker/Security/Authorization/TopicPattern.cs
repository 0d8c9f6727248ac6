namespace MqttHealth.Broker.Security.Authorization;

/// <summary>
/// A topic pattern of a policy rule, as written (<see cref="Text"/>) and split into levels. A level is a
/// literal, '+', '#' (last level only) or a template: literal text with placeholders <c>{clientid}</c>,
/// <c>{username}</c> and <c>{attr:NAME}</c>, filled in per connection by <see cref="CompiledPolicy"/>.
/// </summary>
public sealed class TopicPattern
{
    internal TopicPattern(string text, PatternLevel[] levels)
    {
        Text = text;
        Levels = levels;
    }

    public string Text { get; }

    internal PatternLevel[] Levels { get; }

    public override string ToString() => Text;
}

internal enum PatternLevelKind
{
    Literal,
    SingleLevelWildcard,
    MultiLevelWildcard,
    Template,
}

internal enum PlaceholderKind
{
    ClientId,
    Username,
    Attribute,
}

/// <summary>One part of a template level: literal text, or a placeholder (attribute name for <c>{attr:NAME}</c>).</summary>
internal sealed record TemplatePart(string? Literal, PlaceholderKind Placeholder, string? AttributeName);

internal sealed record PatternLevel(PatternLevelKind Kind, string Literal, TemplatePart[] Parts)
{
    public static readonly PatternLevel SingleLevelWildcard = new(PatternLevelKind.SingleLevelWildcard, "+", []);
    public static readonly PatternLevel MultiLevelWildcard = new(PatternLevelKind.MultiLevelWildcard, "#", []);
}
