using MqttHealth.Broker.Testing;

namespace MqttHealth.Broker.Interop.Tests.Infrastructure;

/// <summary>
/// One broker process per test class with the default durable storage (SQLite in its temporary data
/// directory): for the persistent-session tests.
/// </summary>
public sealed class DurableBrokerFixture : IAsyncLifetime
{
    private BrokerProcess? _broker;

    public BrokerProcess Broker => _broker ?? throw new InvalidOperationException("The broker fixture has not started.");

    public async Task InitializeAsync() => _broker = await BrokerProcess.StartAsync();

    public async Task DisposeAsync()
    {
        if (_broker is not null)
        {
            await _broker.DisposeAsync();
        }
    }
}
