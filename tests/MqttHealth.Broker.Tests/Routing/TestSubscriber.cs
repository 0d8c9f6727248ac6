namespace MqttHealth.Broker.Tests.Routing;

/// <summary>Stands in for the engine's session: compared by reference, as sessions are.</summary>
public sealed class TestSubscriber(string name)
{
    public string Name { get; } = name;

    public override string ToString() => Name;
}
