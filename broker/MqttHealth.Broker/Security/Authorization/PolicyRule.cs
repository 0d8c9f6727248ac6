namespace MqttHealth.Broker.Security.Authorization;

/// <summary>One rule of a role: an effect for some actions on some topic patterns.</summary>
public sealed class PolicyRule
{
    internal PolicyRule(string role, int index, RuleEffect effect, IReadOnlyList<TopicAction> actions, IReadOnlyList<TopicPattern> topics)
    {
        Role = role;
        Index = index;
        Effect = effect;
        Actions = actions;
        Topics = topics;
        Identity = $"role {role}, rule {index}";
    }

    /// <summary>The role the rule belongs to.</summary>
    public string Role { get; }

    /// <summary>The rule's position in the role's <c>rules</c> array, from 0.</summary>
    public int Index { get; }

    public RuleEffect Effect { get; }

    public IReadOnlyList<TopicAction> Actions { get; }

    public IReadOnlyList<TopicPattern> Topics { get; }

    /// <summary>How decisions and the audit log name the rule: <c>role nurse, rule 2</c>.</summary>
    public string Identity { get; }

    public override string ToString() => Identity;
}
