namespace MqttHealth.Broker.Security.Authorization;

/// <summary>Whether a matching rule grants or refuses. A refusal wins over any grant.</summary>
public enum RuleEffect
{
    Allow,
    Deny,
}
