using Microsoft.Extensions.Options;
using MqttHealth.Broker.Engine;
using MqttHealth.Broker.Hosting;
using MqttHealth.Broker.Options;

namespace MqttHealth.Broker.Observability;

/// <summary>
/// Publishes the <see cref="SysTopics"/> as retained QoS 0 messages every <see cref="BrokerOptions.SysIntervalSeconds"/>
/// (the version once at start). Off when the interval is 0.
/// </summary>
public sealed class SysTopicPublisher : BackgroundService
{
    private readonly MqttBroker _broker;
    private readonly BrokerMetrics _metrics;
    private readonly BrokerStatus _status;
    private readonly BrokerOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly IHostApplicationLifetime _lifetime;
    private readonly ILogger<SysTopicPublisher> _logger;

    public SysTopicPublisher(
        MqttBroker broker,
        BrokerMetrics metrics,
        BrokerStatus status,
        IOptions<BrokerOptions> options,
        TimeProvider timeProvider,
        IHostApplicationLifetime lifetime,
        ILogger<SysTopicPublisher> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _broker = broker;
        _metrics = metrics;
        _status = status;
        _options = options.Value;
        _timeProvider = timeProvider;
        _lifetime = lifetime;
        _logger = logger;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (_options.SysIntervalSeconds <= 0)
        {
            return;
        }

        // ApplicationStopping too: once the engine has begun shutting down it refuses new messages.
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, _lifetime.ApplicationStopping);
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(_options.SysIntervalSeconds), _timeProvider);
        bool versionPublished = false;
        try
        {
            // Off the host's start-up path.
            await Task.Yield();
            do
            {
                if (_status.State != BrokerState.Running)
                {
                    continue;
                }

                try
                {
                    if (!versionPublished)
                    {
                        Publish(SysTopics.VersionMessage());
                        versionPublished = true;
                    }

                    foreach (SysTopicMessage message in SysTopics.Snapshot(_metrics, _status.Uptime))
                    {
                        Publish(message);
                    }
                }
#pragma warning disable CA1031 // One failed round is logged; the next interval tries again.
                catch (Exception ex) when (ex is not OperationCanceledException)
#pragma warning restore CA1031
                {
                    _logger.SysPublishFailed(ex);
                }
            }
            while (await timer.WaitForNextTickAsync(stop.Token).ConfigureAwait(false));
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // Stopping.
        }
    }

    private void Publish(SysTopicMessage message) => _broker.PublishSystemMessage(message.Topic, message.Payload, retain: true);
}
