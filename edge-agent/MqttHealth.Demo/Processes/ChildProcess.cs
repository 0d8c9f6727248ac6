using System.Diagnostics;
using System.Runtime.InteropServices;

namespace MqttHealth.Demo.Processes;

/// <summary>
/// A component of the demo (the broker, an agent) run as its own process from this program's directory
/// (<c>dotnet NAME.dll ARGS</c>), its standard output and error appended to a log file. Stopped with SIGTERM, as
/// systemd or Ctrl+C would; killed only when it does not stop in time.
/// </summary>
public sealed partial class ChildProcess : IAsyncDisposable
{
    private const int Sigterm = 15;
    private readonly Process _process;
    private readonly StreamWriter _log;
    private readonly Task _pumps;

    private ChildProcess(string name, Process process, StreamWriter log)
    {
        Name = name;
        _process = process;
        _log = log;
        _pumps = Task.WhenAll(PumpAsync(process.StandardOutput), PumpAsync(process.StandardError));
    }

    public string Name { get; }

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    public static ChildProcess Start(string name, string assembly, IReadOnlyList<string> arguments, string logFile, string? standardInput = null)
    {
        string path = Path.Combine(AppContext.BaseDirectory, assembly);
        if (!File.Exists(path))
        {
            throw new Setup.DemoException($"{assembly} is not next to the demo ({AppContext.BaseDirectory}): build the solution first");
        }

        var start = new ProcessStartInfo(DotnetHost(), [path, .. arguments])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = standardInput is not null,
            UseShellExecute = false,
            WorkingDirectory = AppContext.BaseDirectory,
        };

        // Endpoints from the caller's environment would add listeners to the broker and the agents' HTTP hosts.
        foreach (string variable in new[] { "ASPNETCORE_URLS", "DOTNET_URLS", "ASPNETCORE_HTTP_PORTS", "ASPNETCORE_HTTPS_PORTS" })
        {
            start.Environment.Remove(variable);
        }

        var log = new StreamWriter(new FileStream(logFile, FileMode.Append, FileAccess.Write, FileShare.Read)) { AutoFlush = true };
        var process = Process.Start(start) ?? throw new Setup.DemoException($"could not start {name}");
        if (standardInput is not null)
        {
            process.StandardInput.Write(standardInput);
            process.StandardInput.Close();
        }

        return new ChildProcess(name, process, log);
    }

    /// <summary>Waits for the exit (bounded); the exit code.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var limit = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(limit.Token).ConfigureAwait(false);
        await _pumps.ConfigureAwait(false);
        return _process.ExitCode;
    }

    /// <summary>
    /// SIGTERM, then up to <paramref name="timeout"/> for a clean exit; killed after that. True when it stopped cleanly:
    /// exit 0, or ended by the SIGTERM itself (128 + 15) when it came before the process had set up its handlers (a
    /// Ctrl+C during start-up).
    /// </summary>
    public async Task<bool> StopAsync(TimeSpan timeout)
    {
        if (!_process.HasExited)
        {
            _ = Kill(_process.Id, Sigterm);
        }

        try
        {
            return await WaitForExitAsync(timeout).ConfigureAwait(false) is 0 or 128 + Sigterm;
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync().ConfigureAwait(false);
            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync().ConfigureAwait(false);
        }

        await _pumps.ConfigureAwait(false);
        _process.Dispose();
        await _log.DisposeAsync().ConfigureAwait(false);
    }

    private static string DotnetHost() =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host
        : Environment.ProcessPath is { } self && Path.GetFileNameWithoutExtension(self) == "dotnet" ? self
        : "dotnet";

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);

    private async Task PumpAsync(StreamReader reader)
    {
        while (await reader.ReadLineAsync().ConfigureAwait(false) is { } line)
        {
            lock (_log)
            {
                _log.WriteLine(line);
            }
        }
    }
}
