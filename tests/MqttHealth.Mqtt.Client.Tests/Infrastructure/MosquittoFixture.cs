using MqttHealth.Broker.Testing;

namespace MqttHealth.Mqtt.Client.Tests.Infrastructure;

/// <summary>One default-configured broker shared by the tests of a class (each test uses its own topics).</summary>
public sealed class MosquittoFixture : IAsyncLifetime
{
    private MosquittoBroker? _broker;

    public MosquittoBroker Broker => _broker ?? throw new InvalidOperationException("The broker has not started.");

    public int Port => Broker.Port;

    public async Task InitializeAsync() => _broker = await MosquittoBroker.StartAsync();

    public async Task DisposeAsync()
    {
        if (_broker is not null)
        {
            await _broker.DisposeAsync();
        }
    }
}
