using System.Diagnostics;
using System.Text;

namespace MqttHealth.Broker.Interop.Tests.Infrastructure;

/// <summary>
/// A third-party client (mosquitto_pub/sub, python3, node) run as a child process: stdout lines are kept and
/// passed to a callback as they arrive, stderr is kept for failure messages, and every wait is bounded. Killed
/// on dispose, so a failing test leaves no client behind.
/// </summary>
public sealed class ClientProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly Lock _gate = new();
    private readonly List<string> _stdout = [];
    private readonly List<string> _stderr = [];
    private readonly string _commandLine;

    private ClientProcess(Process process, string commandLine)
    {
        _process = process;
        _commandLine = commandLine;
    }

    public IReadOnlyList<string> StandardOutputLines
    {
        get
        {
            lock (_gate)
            {
                return _stdout.ToArray();
            }
        }
    }

    public bool HasExited => _process.HasExited;

    /// <summary>Completes when the process has exited and its output is drained.</summary>
    public Task Exited { get; private set; } = Task.CompletedTask;

    public int ExitCode => _process.ExitCode;

    /// <summary>
    /// Starts <paramref name="fileName"/>. <paramref name="onLine"/> sees each stdout line (on a thread-pool
    /// thread); <paramref name="standardInput"/>, when given, is written and then stdin is closed.
    /// </summary>
    public static ClientProcess Start(
        string fileName,
        IReadOnlyList<string> arguments,
        Action<string>? onLine = null,
        string? workingDirectory = null,
        string? standardInput = null)
    {
        var startInfo = new ProcessStartInfo(fileName, arguments)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = standardInput is not null,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };

        // Python must not buffer stdout into the pipe: the test reacts to each line as it is printed.
        startInfo.Environment["PYTHONUNBUFFERED"] = "1";
        var process = new Process { StartInfo = startInfo };
        var client = new ClientProcess(process, fileName + " " + string.Join(' ', arguments.Select(Quote)));
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                return;
            }

            lock (client._gate)
            {
                client._stdout.Add(e.Data);
            }

            onLine?.Invoke(e.Data);
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (client._gate)
                {
                    client._stderr.Add(e.Data);
                }
            }
        };

        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            process.Dispose();
            throw new InvalidOperationException($"Could not start '{fileName}': {ex.Message}. {InteropTools.InstallHint}", ex);
        }

        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        client.Exited = process.WaitForExitAsync();
        if (standardInput is not null)
        {
            process.StandardInput.Write(standardInput);
            process.StandardInput.Close();
        }

        return client;
    }

    /// <summary>Runs to completion and requires exit code 0; a failure message carries both output streams.</summary>
    public static async Task<ClientProcess> RunAsync(
        string fileName,
        IReadOnlyList<string> arguments,
        TimeSpan timeout,
        string? workingDirectory = null,
        string? standardInput = null)
    {
        ClientProcess client = Start(fileName, arguments, null, workingDirectory, standardInput);
        int exitCode = await client.WaitForExitAsync(timeout);
        if (exitCode != 0)
        {
            throw new InvalidOperationException($"Client exited with code {exitCode}." + Environment.NewLine + client.Describe());
        }

        return client;
    }

    /// <summary>
    /// Waits for the exit (and drained output), returns the exit code. A client still running after
    /// <paramref name="timeout"/> is killed and reported with its output.
    /// </summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var limit = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException ex)
        {
            Kill();
            throw new TimeoutException($"Client did not exit within {timeout.TotalSeconds:0.#} s and was killed." + Environment.NewLine + Describe(), ex);
        }

        return _process.ExitCode;
    }

    /// <summary>
    /// Waits for <paramref name="signal"/> (set by the stdout callback); if the client exits first or the time
    /// runs out, kills it and throws with its output.
    /// </summary>
    public async Task WaitForSignalAsync(Task signal, string what, TimeSpan timeout)
    {
        Task first;
        try
        {
            first = await Task.WhenAny(signal, Exited).WaitAsync(timeout);
        }
        catch (TimeoutException ex)
        {
            Kill();
            throw new TimeoutException($"No {what} within {timeout.TotalSeconds:0.#} s." + Environment.NewLine + Describe(), ex);
        }

        // The line is handled before the exit is observed, so a signal set just before the exit still counts.
        if (first != signal && !signal.IsCompleted)
        {
            throw new InvalidOperationException($"The client exited before {what}." + Environment.NewLine + Describe());
        }
    }

    /// <summary>SIGKILL: the client's connection drops without a DISCONNECT packet. Returns once it has exited.</summary>
    public void Kill()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill();
            }

            _process.WaitForExit(TimeSpan.FromSeconds(10));
        }
        catch (InvalidOperationException)
        {
            // Already exited and reaped.
        }
    }

    /// <summary>Command line, exit state, stdout and stderr: for failure messages.</summary>
    public string Describe()
    {
        var text = new StringBuilder();
        text.Append("$ ").AppendLine(_commandLine);
        text.AppendLine(_process.HasExited ? $"exit code {_process.ExitCode}" : "still running");
        lock (_gate)
        {
            text.AppendLine("--- stdout ---");
            foreach (string line in _stdout)
            {
                text.AppendLine(line);
            }

            text.AppendLine("--- stderr ---");
            foreach (string line in _stderr)
            {
                text.AppendLine(line);
            }
        }

        return text.ToString();
    }

    public async ValueTask DisposeAsync()
    {
        Kill();
        try
        {
            // Bounded: lets the output readers finish before the Process is disposed.
            using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await _process.WaitForExitAsync(limit.Token);
        }
        catch (Exception ex) when (ex is OperationCanceledException or InvalidOperationException)
        {
        }

        _process.Dispose();
    }

    private static string Quote(string argument) =>
        argument.Length > 0 && argument.All(c => char.IsAsciiLetterOrDigit(c) || "-_./:=$#+".Contains(c, StringComparison.Ordinal))
            ? argument
            : "'" + argument.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}
