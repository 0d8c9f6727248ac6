namespace MqttHealth.Broker.Security.Authorization;

/// <summary>
/// The outcome of one authorization check and the rule that decided it, for the audit log: for example
/// <c>role nurse, rule 2</c> (the index in the role's <c>rules</c> array, from 0) or <c>default deny</c>.
/// The strings are built when the policy is parsed, so a decision allocates nothing.
/// </summary>
public readonly record struct AuthorizationDecision(bool Allowed, string Rule)
{
    /// <summary>No rule of the principal's roles grants the action.</summary>
    public const string DefaultDenyRule = "default deny";

    /// <summary>A topic starting with '$' (other than a Shared Subscription) is for the admins role only.</summary>
    public const string DollarTopicAdminOnlyRule = "$-topic: admins only";

    /// <summary>The principal has the admins role, which alone may use topics starting with '$'.</summary>
    public const string DollarTopicAdminRule = "$-topic: admins role";

    /// <summary>The Topic Name or Topic Filter is not valid, so nothing can grant it.</summary>
    public const string InvalidTopicRule = "invalid topic name or filter";

    internal static AuthorizationDecision Deny(string rule) => new(false, rule);

    internal static AuthorizationDecision Allow(string rule) => new(true, rule);

    public override string ToString() => (Allowed ? "allowed by " : "denied by ") + Rule;
}
