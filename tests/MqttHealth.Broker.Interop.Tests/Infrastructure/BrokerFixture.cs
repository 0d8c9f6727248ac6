using MqttHealth.Broker.Testing;

namespace MqttHealth.Broker.Interop.Tests.Infrastructure;

/// <summary>
/// One broker process per test class, with in-memory storage (these tests are about the protocol, not about
/// what survives a restart). Tests keep apart through unique topics and client ids (<see cref="TestNames"/>).
/// A broker that fails to start fails every test of the class with the broker's output.
/// </summary>
public sealed class BrokerFixture : IAsyncLifetime
{
    private BrokerProcess? _broker;

    public BrokerProcess Broker => _broker ?? throw new InvalidOperationException("The broker fixture has not started.");

    public async Task InitializeAsync() => _broker = await BrokerProcess.StartAsync(new BrokerProcessOptions { InMemoryStorage = true });

    public async Task DisposeAsync()
    {
        if (_broker is not null)
        {
            await _broker.DisposeAsync();
        }
    }
}
