using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Reflection;

namespace MqttHealth.Bench.Broker;

/// <summary>
/// The real broker, <c>dotnet mqtthealth-broker.dll</c>, as a child process of the benchmark process, listening
/// on two free loopback ports (MQTT over TCP and the admin port; TLS and WebSocket are off).
/// </summary>
/// <remarks>
/// <para>
/// Where the broker comes from (<see cref="LocateBrokerAssembly"/>), first match wins:
/// the environment variable <c>MQTTHEALTH_BROKER_DLL</c> (a path to <c>mqtthealth-broker.dll</c>);
/// the benchmark's own directory, <see cref="AppContext.BaseDirectory"/>;
/// the bench project's build output directory, recorded at build time in the assembly metadata
/// <c>BenchOutputDirectory</c>. The bench project references the broker project, so every build of the bench
/// copies <c>mqtthealth-broker.dll</c> with its <c>.runtimeconfig.json</c> and <c>.deps.json</c> into its
/// output directory. BenchmarkDotNet runs each benchmark from a project it generates and builds elsewhere, whose
/// output need not carry the broker's runtimeconfig (it is a transitive executable reference), hence the
/// recorded directory.
/// </para>
/// <para>
/// The broker runs with <c>--Broker:SysIntervalSeconds=0</c> (no $SYS publications in the middle of a
/// measurement) and <c>--Logging:LogLevel:Default=Warning</c> (no log line per connection while sessions are
/// created). Its stdout and stderr are drained continuously, or a full pipe would stall it; the last lines are
/// kept for error messages.
/// </para>
/// </remarks>
internal sealed class BenchmarkBroker : IAsyncDisposable
{
    public const string BrokerAssemblyName = "mqtthealth-broker.dll";
    public const string BrokerAssemblyVariable = "MQTTHEALTH_BROKER_DLL";

    private const int StartAttempts = 3;
    private const int KeptOutputLines = 100;
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan KillTimeout = TimeSpan.FromSeconds(10);

    private readonly Process _process;
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(5) };
    private readonly Queue<string> _output = new();
    private readonly string _dataDirectory;

    private BenchmarkBroker(Process process, string assemblyPath, int mqttPort, int adminPort, string dataDirectory)
    {
        _process = process;
        AssemblyPath = assemblyPath;
        MqttPort = mqttPort;
        AdminPort = adminPort;
        _dataDirectory = dataDirectory;
        process.OutputDataReceived += (_, e) => Keep(e.Data);
        process.ErrorDataReceived += (_, e) => Keep(e.Data);
    }

    /// <summary>The <c>mqtthealth-broker.dll</c> that runs.</summary>
    public string AssemblyPath { get; }

    public int MqttPort { get; }

    public int AdminPort { get; }

    public int ProcessId => _process.Id;

    /// <summary>Starts the broker with the given storage (<c>memory</c> or <c>sqlite</c>) and waits until /healthz is 200 and the MQTT port accepts.</summary>
    public static async Task<BenchmarkBroker> StartAsync(string storage, CancellationToken cancellationToken)
    {
        string assembly = LocateBrokerAssembly();
        for (int attempt = 1; ; attempt++)
        {
            BenchmarkBroker broker = Launch(assembly, storage);
            try
            {
                await broker.WaitForReadyAsync(cancellationToken).ConfigureAwait(false);
                return broker;
            }
            catch (InvalidOperationException) when (attempt < StartAttempts && broker._process.HasExited)
            {
                // Most likely a chosen port was taken by another process before the broker bound it; the
                // last attempt's failure carries the broker's output.
                await broker.DisposeAsync().ConfigureAwait(false);
            }
            catch
            {
                await broker.DisposeAsync().ConfigureAwait(false);
                throw;
            }
        }
    }

    /// <summary>Finds <c>mqtthealth-broker.dll</c> next to its runtimeconfig (see the class remarks).</summary>
    public static string LocateBrokerAssembly()
    {
        var searched = new List<string>();
        string? explicitPath = Environment.GetEnvironmentVariable(BrokerAssemblyVariable);
        if (!string.IsNullOrEmpty(explicitPath))
        {
            if (IsRunnable(explicitPath))
            {
                return Path.GetFullPath(explicitPath);
            }

            throw new FileNotFoundException(
                $"{BrokerAssemblyVariable}={explicitPath} does not name a {BrokerAssemblyName} with its .runtimeconfig.json beside it.", explicitPath);
        }

        string? recorded = typeof(BenchmarkBroker).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .FirstOrDefault(a => a.Key == "BenchOutputDirectory")?.Value;
        foreach (string? directory in new[] { AppContext.BaseDirectory, recorded })
        {
            if (string.IsNullOrEmpty(directory))
            {
                continue;
            }

            string candidate = Path.Combine(directory, BrokerAssemblyName);
            searched.Add(candidate);
            if (IsRunnable(candidate))
            {
                return candidate;
            }
        }

        throw new FileNotFoundException(
            $"{BrokerAssemblyName} with its .runtimeconfig.json was not found (searched: {string.Join(", ", searched)}). "
            + $"Build bench/MqttHealth.Bench (it references the broker project) or set {BrokerAssemblyVariable}.");
    }

    /// <summary>Reads the broker's /metrics (Prometheus text) into name → value; labelled series are summed per name.</summary>
    public async Task<IReadOnlyDictionary<string, double>> ScrapeMetricsAsync(CancellationToken cancellationToken)
    {
        string text = await _http.GetStringAsync(new Uri($"http://127.0.0.1:{AdminPort}/metrics"), cancellationToken).ConfigureAwait(false);
        var values = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (string line in text.Split('\n'))
        {
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            int space = line.LastIndexOf(' ');
            if (space <= 0 || !double.TryParse(line.AsSpan(space + 1), NumberStyles.Float, CultureInfo.InvariantCulture, out double value))
            {
                continue;
            }

            int brace = line.IndexOf('{', StringComparison.Ordinal);
            string name = brace > 0 && brace < space ? line[..brace] : line[..space];
            values[name] = values.GetValueOrDefault(name) + value;
        }

        return values;
    }

    /// <summary>SIGKILL (nothing to flush: the benchmark's data are thrown away), then deletes the data directory.</summary>
    public ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill();
                _process.WaitForExit(KillTimeout);
            }
        }
        catch (InvalidOperationException)
        {
            // Already reaped.
        }

        _process.Dispose();
        _http.Dispose();
        try
        {
            Directory.Delete(_dataDirectory, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }

        return ValueTask.CompletedTask;
    }

    private static BenchmarkBroker Launch(string assembly, string storage)
    {
        (int mqttPort, int adminPort) = FreePorts();
        string dataDirectory = Path.Combine(Path.GetTempPath(), "mh-bench-broker-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dataDirectory);
        string[] arguments =
        [
            assembly,
            "--port", mqttPort.ToString(CultureInfo.InvariantCulture),
            "--tls-port", "0",
            "--ws-port", "0",
            "--admin-port", adminPort.ToString(CultureInfo.InvariantCulture),
            "--data", dataDirectory,
            "--allow-anonymous",
            "--storage", storage,
            "--Broker:BindAddress=127.0.0.1",
            "--Broker:SysIntervalSeconds=0",
            "--Logging:LogLevel:Default=Warning",
        ];
        var startInfo = new ProcessStartInfo(DotnetHost(), arguments)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(assembly)!,
        };

        // Endpoints inherited from the environment would add listeners beyond the ones asked for.
        foreach (string name in new[] { "ASPNETCORE_URLS", "DOTNET_URLS", "ASPNETCORE_HTTP_PORTS", "ASPNETCORE_HTTPS_PORTS" })
        {
            startInfo.Environment.Remove(name);
        }

        var process = new Process { StartInfo = startInfo };
        var broker = new BenchmarkBroker(process, assembly, mqttPort, adminPort, dataDirectory);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return broker;
    }

    private async Task WaitForReadyAsync(CancellationToken cancellationToken)
    {
        var healthz = new Uri($"http://127.0.0.1:{AdminPort}/healthz");
        var elapsed = Stopwatch.StartNew();
        string lastProbe = "no answer yet";

        // Bounded poll: each round costs at most one HTTP timeout or one connect attempt.
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (_process.HasExited)
            {
                // Let the pipes deliver the last lines, which say why.
                _process.WaitForExit(KillTimeout);
                throw new InvalidOperationException($"The broker exited with code {_process.ExitCode} during start-up.{Environment.NewLine}{RecentOutput()}");
            }

            try
            {
                using HttpResponseMessage response = await _http.GetAsync(healthz, cancellationToken).ConfigureAwait(false);
                lastProbe = $"GET {healthz} answered {(int)response.StatusCode}";
                if (response.StatusCode == HttpStatusCode.OK && await AcceptsConnectionAsync(MqttPort, cancellationToken).ConfigureAwait(false))
                {
                    return;
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
            {
                lastProbe = $"GET {healthz} failed: {ex.Message}";
            }

            if (elapsed.Elapsed > ReadyTimeout)
            {
                throw new TimeoutException($"The broker was not ready within {ReadyTimeout.TotalSeconds} s (last probe: {lastProbe}).{Environment.NewLine}{RecentOutput()}");
            }

            await Task.Delay(PollInterval, cancellationToken).ConfigureAwait(false);
        }
    }

    private static async Task<bool> AcceptsConnectionAsync(int port, CancellationToken cancellationToken)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(TimeSpan.FromSeconds(2));
        try
        {
            await socket.ConnectAsync(IPAddress.Loopback, port, limit.Token).ConfigureAwait(false);
            return true;
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    private static (int Mqtt, int Admin) FreePorts()
    {
        // Both listeners are held open together so the two ports differ.
        using var first = new TcpListener(IPAddress.Loopback, 0);
        using var second = new TcpListener(IPAddress.Loopback, 0);
        first.Start();
        second.Start();
        int mqtt = ((IPEndPoint)first.LocalEndpoint).Port;
        int admin = ((IPEndPoint)second.LocalEndpoint).Port;
        first.Stop();
        second.Stop();
        return (mqtt, admin);
    }

    private static bool IsRunnable(string assembly) =>
        File.Exists(assembly) && File.Exists(Path.ChangeExtension(assembly, ".runtimeconfig.json"));

    /// <summary>The dotnet host (the CLI exports DOTNET_HOST_PATH), else the host running this process, else dotnet on PATH.</summary>
    private static string DotnetHost()
    {
        string? host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
        if (!string.IsNullOrEmpty(host) && File.Exists(host))
        {
            return host;
        }

        string? current = Environment.ProcessPath;
        if (current is not null && Path.GetFileNameWithoutExtension(current) == "dotnet")
        {
            return current;
        }

        return "dotnet";
    }

    private void Keep(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.Enqueue(line);
            if (_output.Count > KeptOutputLines)
            {
                _output.Dequeue();
            }
        }
    }

    private string RecentOutput()
    {
        lock (_output)
        {
            return "Broker output (last lines):" + Environment.NewLine + string.Join(Environment.NewLine, _output);
        }
    }
}
