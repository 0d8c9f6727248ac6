using Microsoft.Extensions.Options;
using MqttHealth.Broker.Engine;
using MqttHealth.Broker.Listeners;
using MqttHealth.Broker.Options;

namespace MqttHealth.Broker.Hosting;

/// <summary>
/// Starts the engine before anything listens and stops it after the listeners have drained.
/// </summary>
/// <remarks>
/// Order, using the host's lifecycle phases rather than registration order:
/// <list type="number">
/// <item>StartingAsync (before any service's StartAsync, so before Kestrel binds): <see cref="MqttBroker.Start"/>
/// loads the store. A <c>BrokerStoreException</c> propagates, the host does not start, nothing listens (exit 3).</item>
/// <item>ApplicationStarted (after Kestrel listens): log event 3001 with the endpoints; tests and operators wait for it.</item>
/// <item>ApplicationStopping (SIGTERM, Ctrl+C; before Kestrel stops): <see cref="MqttBroker.BeginShutdown"/> tells
/// clients and ends their connections, so Kestrel's graceful drain sees them finish instead of waiting out its timeout.</item>
/// <item>StoppedAsync (after Kestrel has stopped, so no connection handler is still running):
/// <see cref="MqttBroker.StopAsync"/> flushes storage, bounded by <see cref="BrokerOptions.ShutdownTimeout"/>.</item>
/// </list>
/// </remarks>
public sealed class BrokerLifetimeService : IHostedLifecycleService
{
    private readonly MqttBroker _broker;
    private readonly BrokerStatus _status;
    private readonly BrokerOptions _options;
    private readonly IHostApplicationLifetime _lifetime;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger<BrokerLifetimeService> _logger;

    public BrokerLifetimeService(
        MqttBroker broker,
        BrokerStatus status,
        IOptions<BrokerOptions> options,
        IHostApplicationLifetime lifetime,
        TimeProvider timeProvider,
        ILogger<BrokerLifetimeService> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _broker = broker;
        _status = status;
        _options = options.Value;
        _lifetime = lifetime;
        _timeProvider = timeProvider;
        _logger = logger;
    }

    public Task StartingAsync(CancellationToken cancellationToken)
    {
        if (_options.AllowAnonymous)
        {
            _logger.AnonymousAccessEnabled();
        }

        _broker.Start();
        _status.MarkRunning();
        _lifetime.ApplicationStarted.Register(OnStarted);
        _lifetime.ApplicationStopping.Register(OnStopping);
        return Task.CompletedTask;
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task StoppedAsync(CancellationToken cancellationToken)
    {
        if (_status.State != BrokerState.Stopping)
        {
            return;
        }

        // Its own budget, not the host's token: the drain may have used all of the host's time, and
        // flushing what was acknowledged matters more than exiting a few seconds sooner.
        using var timeout = new CancellationTokenSource(_options.ShutdownTimeout, _timeProvider);
        bool timedOut = false;
        try
        {
            await _broker.StopAsync(timeout.Token).WaitAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            timedOut = true;
            _logger.StorageFlushTimedOut(_options.ShutdownTimeout);
        }

        _status.MarkStopped(timedOut);
        if (!timedOut)
        {
            _logger.BrokerStopped();
        }
    }

    private void OnStarted()
    {
        if (_logger.IsEnabled(LogLevel.Information))
        {
            _logger.BrokerListening(BrokerListeners.DescribeEndpoints(_options), _options.Storage, Path.GetFullPath(_options.DataDirectory));
        }
    }

    private void OnStopping()
    {
        if (!_status.TryMarkStopping())
        {
            return;
        }

        _logger.BrokerStopping();
        try
        {
            _broker.BeginShutdown();
        }
#pragma warning disable CA1031 // A failure to notify clients must not stop the drain and the storage flush that follow.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            _logger.BeginShutdownFailed(ex);
        }
    }
}
