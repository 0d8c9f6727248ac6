namespace MqttHealth.Broker.Tests.Engine;

/// <summary>Tests that load the machine (thousands of connections) run alone, so they do not starve the timing-sensitive ones.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class IsolatedCollection
{
    public const string Name = "Engine tests that run alone";
}
