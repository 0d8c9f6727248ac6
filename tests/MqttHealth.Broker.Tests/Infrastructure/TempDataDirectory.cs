using Microsoft.Extensions.Logging.Abstractions;
using MqttHealth.Broker.Storage;

namespace MqttHealth.Broker.Tests.Infrastructure;

/// <summary>A data directory under the temp folder for a real SQLite store; deleted at the end of the test.</summary>
public sealed class TempDataDirectory : IDisposable
{
    public TempDataDirectory()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "mqtthealth-engine-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    /// <summary>Opens the store in this directory (broker.db); the broker disposes it when it stops.</summary>
    public SqliteBrokerStore OpenStore() => new(Path, NullLogger<SqliteBrokerStore>.Instance);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a file still open on a failing test must not hide the test's own failure.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
