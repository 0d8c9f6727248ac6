using MqttHealth.Broker.Testing;

namespace MqttHealth.Broker.Tests.Hosting;

/// <summary>
/// One real broker process shared by the tests of a class: SQLite storage, all four listeners on free loopback
/// ports, $SYS every second. The interval is set through the environment (<c>MQTTHEALTH_Broker__SysIntervalSeconds</c>),
/// which also proves that layer works in the real process.
/// </summary>
public sealed class HostingBrokerFixture : IAsyncLifetime
{
    private BrokerProcess? _broker;

    public BrokerProcess Broker => _broker ?? throw new InvalidOperationException("The broker has not started.");

    public async Task InitializeAsync()
    {
        _broker = await BrokerProcess.StartAsync(new BrokerProcessOptions
        {
            Environment = new Dictionary<string, string?> { ["MQTTHEALTH_Broker__SysIntervalSeconds"] = "1" },
        });
    }

    public async Task DisposeAsync()
    {
        if (_broker is not null)
        {
            await _broker.DisposeAsync();
        }
    }
}
