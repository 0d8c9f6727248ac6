namespace MqttHealth.EdgeAgent.Inputs;

/// <summary>
/// Something that feeds readings to the agent: standard input, the Unix socket, the HTTP endpoint, and (phase 2) the
/// built-in bedside-monitor simulator. A source hands each reading to <see cref="ReadingIntake"/> and tells its own
/// client the outcome; it runs until its cancellation token stops it. A bad reading must never end it.
/// </summary>
public interface IReadingSource
{
    /// <summary>The input kind, as counted in the status (<c>rejected.{Name}</c>).</summary>
    string Name { get; }

    Task RunAsync(ReadingIntake intake, CancellationToken cancellationToken);
}
