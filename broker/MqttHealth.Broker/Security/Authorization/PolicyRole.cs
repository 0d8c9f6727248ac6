namespace MqttHealth.Broker.Security.Authorization;

/// <summary>A named role and its rules, in file order (the order names rules; it does not rank them: deny wins).</summary>
public sealed class PolicyRole
{
    internal PolicyRole(string name, IReadOnlyList<PolicyRule> rules)
    {
        Name = name;
        Rules = rules;
    }

    public string Name { get; }

    public IReadOnlyList<PolicyRule> Rules { get; }
}
