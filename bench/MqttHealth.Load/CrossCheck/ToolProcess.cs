using System.ComponentModel;
using System.Diagnostics;
using System.Text;

namespace MqttHealth.Bench.Load.CrossCheck;

/// <summary>
/// A command-line client (mosquitto_pub, mosquitto_sub) as a child process: stdout delivered line by line to a
/// callback, the end of stderr kept for error messages, killed with its process tree on dispose if still running.
/// </summary>
internal sealed class ToolProcess : IDisposable
{
    private const int StderrKeep = 2000;
    private readonly Process _process;
    private readonly StringBuilder _stderr = new();

    private ToolProcess(Process process, string commandLine)
    {
        _process = process;
        CommandLine = commandLine;
    }

    public string CommandLine { get; }

    /// <summary>Stdin, when started with <c>redirectInput</c>.</summary>
    public Stream Input => _process.StandardInput.BaseStream;

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    /// <summary>The last <see cref="StderrKeep"/> characters it wrote to stderr, trimmed.</summary>
    public string Stderr
    {
        get
        {
            lock (_stderr)
            {
                return _stderr.ToString().Trim();
            }
        }
    }

    /// <summary>Starts <paramref name="executable"/>; <paramref name="onLine"/> gets each stdout line (on a thread-pool thread, one at a time).</summary>
    public static ToolProcess Start(string executable, IReadOnlyList<string> arguments, bool redirectInput, Action<string>? onLine)
    {
        var process = new Process
        {
            StartInfo = new ProcessStartInfo(executable, arguments)
            {
                RedirectStandardInput = redirectInput,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            },
        };
        var tool = new ToolProcess(process, executable + " " + string.Join(' ', arguments));
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                onLine?.Invoke(e.Data);
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                return;
            }

            lock (tool._stderr)
            {
                tool._stderr.AppendLine(e.Data);
                if (tool._stderr.Length > StderrKeep)
                {
                    tool._stderr.Remove(0, tool._stderr.Length - StderrKeep);
                }
            }
        };
        try
        {
            process.Start();
        }
        catch (Win32Exception ex)
        {
            process.Dispose();
            throw new InvalidOperationException($"Could not start {executable}: {ex.Message}", ex);
        }

        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return tool;
    }

    /// <summary>Completes when the process has exited and its output has been read to the end.</summary>
    public Task WaitForExitAsync(CancellationToken cancellationToken) => _process.WaitForExitAsync(cancellationToken);

    /// <summary>Waits for the exit, bounded; false if it is still running after <paramref name="timeout"/>.</summary>
    public async Task<bool> TryWaitForExitAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout);
        try
        {
            await _process.WaitForExitAsync(limit.Token).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    /// <summary>"exit code N: stderr" or "still running", for error messages.</summary>
    public string Describe()
    {
        string state = _process.HasExited ? $"exited with code {_process.ExitCode}" : "still running";
        string stderr = Stderr;
        return stderr.Length == 0 ? $"{CommandLine}: {state}" : $"{CommandLine}: {state}; stderr: {stderr}";
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(5000);
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }

        _process.Dispose();
    }
}
