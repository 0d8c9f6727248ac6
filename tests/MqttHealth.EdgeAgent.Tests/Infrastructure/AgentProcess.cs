using System.Diagnostics;
using System.Net;
using System.Runtime.InteropServices;
using System.Text.Json;
using MqttHealth.Broker.Testing;

namespace MqttHealth.EdgeAgent.Tests.Infrastructure;

/// <summary>
/// The real agent, <c>dotnet mqtthealth-agent.dll --config FILE</c>, as a child process: standard input is a pipe the
/// test can write readings to, standard output (replies) and standard error (logs) are captured. Ready when
/// <c>GET /v1/status</c> answers. <see cref="Kill"/> is kill -9; <see cref="StopAsync"/> is SIGTERM.
/// </summary>
public sealed class AgentProcess : IAsyncDisposable
{
    public const string AssemblyName = "mqtthealth-agent.dll";
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(10) };
    private readonly Process _process;
    private readonly int _httpPort;

    private AgentProcess(Process process, int httpPort)
    {
        _process = process;
        _httpPort = httpPort;
    }

    /// <summary>Standard output (reply lines of the stdin input).</summary>
    public BrokerOutput Output { get; } = new();

    /// <summary>Standard error (the log).</summary>
    public BrokerOutput Log { get; } = new();

    public StreamWriter Input => _process.StandardInput;

    public Uri Readings => new($"http://127.0.0.1:{_httpPort}/v1/readings");

    /// <summary>The process id (the demo test looks for its children).</summary>
    public int Id => _process.Id;

    public static AgentProcess Launch(IReadOnlyList<string> arguments, int httpPort = 0, IReadOnlyDictionary<string, string>? environment = null, string assembly = AssemblyName)
    {
        var start = new ProcessStartInfo(DotnetHost(), [Path.Combine(AppContext.BaseDirectory, assembly), .. arguments])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        foreach ((string name, string value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        var agent = new AgentProcess(process, httpPort);
        process.OutputDataReceived += (_, e) => Line(agent.Output, e.Data);
        process.ErrorDataReceived += (_, e) => Line(agent.Log, e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return agent;
    }

    /// <summary>Starts the agent and waits (bounded) until its HTTP input answers.</summary>
    public static async Task<AgentProcess> StartAsync(AgentSetup setup)
    {
        AgentProcess agent = Launch(["--config", setup.ConfigPath], setup.HttpPort);
        await agent.WaitReadyAsync(TimeSpan.FromSeconds(30));
        return agent;
    }

    public async Task WaitReadyAsync(TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"the agent exited with {_process.ExitCode} during start-up:\n{Log}");
            }

            try
            {
                using HttpResponseMessage response = await Http.GetAsync(new Uri($"http://127.0.0.1:{_httpPort}/v1/status"));
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // not listening yet
            }

            if (clock.Elapsed > timeout)
            {
                throw new TimeoutException($"the agent did not answer /v1/status within {timeout.TotalSeconds} s:\n{Log}");
            }

            await Task.WhenAny(_process.WaitForExitAsync(), Task.Delay(100));
        }
    }

    /// <summary>POSTs readings (NDJSON); returns the status code and the body.</summary>
    public async Task<(HttpStatusCode Status, JsonElement Body)> PostAsync(IEnumerable<string> readings)
    {
        using var content = new StringContent(string.Join("\n", readings) + "\n", System.Text.Encoding.UTF8, "application/x-ndjson");
        using HttpResponseMessage response = await Http.PostAsync(Readings, content);
        string body = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, JsonDocument.Parse(body).RootElement.Clone());
    }

    /// <summary>POSTs readings and requires 202; returns the ids.</summary>
    public async Task<long[]> AcceptAsync(IEnumerable<string> readings)
    {
        (HttpStatusCode status, JsonElement body) = await PostAsync(readings);
        Assert.True(status == HttpStatusCode.Accepted, $"{(int)status}: {body}");
        return [.. body.GetProperty("accepted").EnumerateArray().Select(e => e.GetInt64())];
    }

    public async Task<JsonElement> StatusAsync()
    {
        string body = await Http.GetStringAsync(new Uri($"http://127.0.0.1:{_httpPort}/v1/status"));
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    /// <summary>Polls the status until <paramref name="predicate"/> holds (bounded).</summary>
    public async Task<JsonElement> WaitForStatusAsync(Func<JsonElement, bool> predicate, TimeSpan timeout, string what)
    {
        var clock = Stopwatch.StartNew();
        JsonElement status = await StatusAsync();
        while (!predicate(status))
        {
            Assert.True(clock.Elapsed < timeout, $"{what}: not within {timeout.TotalSeconds} s; last status {status}\n{Log}");
            await Task.Delay(200);
            status = await StatusAsync();
        }

        return status;
    }

    /// <summary>kill -9: nothing is flushed, nothing is said to the broker.</summary>
    public void Kill()
    {
        _process.Kill();
        _process.WaitForExit();
    }

    /// <summary>SIGINT, as Ctrl+C at a terminal sends it.</summary>
    public void Interrupt() => _ = kill(_process.Id, 2);

    /// <summary>SIGTERM, then the exit code (bounded).</summary>
    public async Task<int> StopAsync()
    {
        _ = kill(_process.Id, 15);
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await _process.WaitForExitAsync(limit.Token);
        return _process.ExitCode;
    }

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var limit = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(limit.Token);
        _process.WaitForExit();
        return _process.ExitCode;
    }

    public ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            _process.WaitForExit();
        }

        _process.Dispose();
        return ValueTask.CompletedTask;
    }

    private static void Line(BrokerOutput output, string? line)
    {
        if (line is null)
        {
            output.StreamEnded();
        }
        else
        {
            output.Append(line, isError: false);
        }
    }

    private static string DotnetHost() => Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";

    // kill(2) for SIGTERM (Process.Kill sends SIGKILL), as tests/Shared/BrokerProcess.cs does.
    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int sig);
}
