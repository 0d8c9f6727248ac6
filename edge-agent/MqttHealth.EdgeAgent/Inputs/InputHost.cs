using MqttHealth.EdgeAgent.Hosting;

namespace MqttHealth.EdgeAgent.Inputs;

/// <summary>Runs every configured <see cref="IReadingSource"/>; one that fails is logged and started again (bounded pace), the others go on.</summary>
public sealed class InputHost : BackgroundService
{
    private static readonly TimeSpan RestartDelay = TimeSpan.FromSeconds(2);

    private readonly IReadOnlyList<IReadingSource> _sources;
    private readonly ReadingIntake _intake;
    private readonly ILogger<InputHost> _logger;

    public InputHost(IEnumerable<IReadingSource> sources, ReadingIntake intake, ILogger<InputHost> logger)
    {
        _sources = [.. sources];
        _intake = intake;
        _logger = logger;
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(_sources.Select(source => RunAsync(source, stoppingToken)));

    private async Task RunAsync(IReadingSource source, CancellationToken stoppingToken)
    {
        await Task.Yield();
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await source.RunAsync(_intake, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
#pragma warning disable CA1031 // An input's failure must never stop the agent.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                _logger.InputFailed(source.Name, ex.Message, ex);
            }

            try
            {
                await Task.Delay(RestartDelay, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}
