using System.ComponentModel;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace MqttHealth.Broker.Testing;

/// <summary>
/// The real broker, <c>dotnet mqtthealth-broker.dll</c>, as a child process on free loopback ports.
/// </summary>
/// <remarks>
/// <para>
/// Where the broker comes from: the test projects reference the broker project, so the build copies
/// <c>mqtthealth-broker.dll</c> with its <c>.runtimeconfig.json</c> and <c>.deps.json</c> (and the native SQLite
/// library under <c>runtimes/</c>) into the test output directory, <see cref="AppContext.BaseDirectory"/>.
/// The process runs with the same <c>dotnet</c> host as the tests and that directory as its working directory.
/// </para>
/// <para>
/// Command line: <c>--port P --tls-port T --ws-port W --admin-port A --data DIR [--allow-anonymous]
/// [--storage memory] --Broker:BindAddress=127.0.0.1</c> followed by
/// <see cref="BrokerProcessOptions.ExtraArguments"/>. Every listener binds to loopback only.
/// <see cref="DataDirectory"/> is a fresh temporary directory (the database and the generated development
/// TLS certificate, <c>dev-tls-cert.pem</c>, live there), deleted by <see cref="DisposeAsync"/>.
/// </para>
/// <para>
/// Readiness: <see cref="StartAsync"/> polls <c>http://127.0.0.1:{admin}/healthz</c> until it answers 200 and
/// then checks that the MQTT port accepts a connection, bounded by <see cref="BrokerProcessOptions.ReadyTimeout"/>.
/// If the process exits first, or never becomes ready, it throws <see cref="BrokerStartException"/> carrying
/// the exit code and the captured stdout/stderr. A port taken by another process between choosing and binding
/// it ("address already in use") is retried with fresh ports, up to three attempts.
/// </para>
/// <para>
/// Output: every stdout/stderr line goes to <see cref="Output"/> (a ring buffer of the current run), which
/// can wait for a line matching a predicate. Each start (and restart) gets a new <see cref="BrokerOutput"/>.
/// </para>
/// <para>
/// Stopping: <see cref="Kill"/> sends SIGKILL (a crash: nothing is flushed, no DISCONNECT is sent) and waits
/// for the exit; <see cref="StopAsync"/> sends SIGTERM (the host's graceful shutdown) and waits, bounded, for
/// the exit code. <see cref="RestartAsync"/> starts the broker again on the same ports with the same data
/// directory, which is how crash-recovery tests check what survived. Rebinding the same ports right away
/// relies on the broker's listeners using SO_REUSEADDR, which .NET sockets (so Kestrel) set on Linux.
/// </para>
/// </remarks>
public sealed class BrokerProcess : IAsyncDisposable
{
    /// <summary>The broker's assembly; its runtimeconfig/deps files sit next to it.</summary>
    public const string BrokerAssemblyName = "mqtthealth-broker.dll";

    private const int SigTerm = 15;
    private const int StartAttempts = 3;
    private static readonly TimeSpan DefaultStopTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan KillTimeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(50);
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(2) };

    private readonly BrokerProcessOptions _options;
    private Process? _process;
    private TaskCompletionSource? _exited;

    private BrokerProcess(BrokerProcessOptions options, BrokerPorts ports, string dataDirectory)
    {
        _options = options;
        Ports = ports;
        DataDirectory = dataDirectory;
    }

    public BrokerPorts Ports { get; }

    /// <summary>The broker's <c>--data</c> directory: database, development TLS certificate and key.</summary>
    public string DataDirectory { get; }

    /// <summary>The development TLS certificate the broker generates in its data directory (PEM).</summary>
    public string DevelopmentCertificatePath => Path.Combine(DataDirectory, "dev-tls-cert.pem");

    /// <summary>What the current run has written to stdout/stderr.</summary>
    public BrokerOutput Output { get; private set; } = new();

    /// <summary>The current run's process id.</summary>
    public int ProcessId => Current.Id;

    public bool HasExited => Current.HasExited;

    /// <summary>The current run's exit code, or null while it runs.</summary>
    public int? ExitCode => Current.HasExited ? Current.ExitCode : null;

    /// <summary>The broker's assembly in the test output directory.</summary>
    public static string BrokerAssemblyPath => Path.Combine(AppContext.BaseDirectory, BrokerAssemblyName);

    private Process Current => _process ?? throw new InvalidOperationException("The broker process has not been started.");

    /// <summary>Starts the broker and waits until it is ready (see the class remarks).</summary>
    public static async Task<BrokerProcess> StartAsync(BrokerProcessOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new BrokerProcessOptions();
        for (int attempt = 1; ; attempt++)
        {
            BrokerProcess broker = Launch(options);
            try
            {
                await broker.WaitForReadyAsync(cancellationToken).ConfigureAwait(false);
                return broker;
            }
            catch (BrokerStartException ex) when (ex.PortInUse && options.Ports is null && attempt < StartAttempts)
            {
                // Another process took a chosen port before the broker bound it: try fresh ports.
                await broker.DisposeAsync().ConfigureAwait(false);
            }
            catch
            {
                await broker.DisposeAsync().ConfigureAwait(false);
                throw;
            }
        }
    }

    /// <summary>
    /// Starts the process without waiting for readiness: for tests that expect the broker to refuse to start
    /// (then <see cref="WaitForExitAsync"/>), or that call <see cref="WaitForReadyAsync"/> themselves.
    /// </summary>
    public static BrokerProcess Launch(BrokerProcessOptions? options = null)
    {
        options ??= new BrokerProcessOptions();
        string dataDirectory = Path.Combine(Path.GetTempPath(), "mh-broker-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dataDirectory);
        var broker = new BrokerProcess(options, options.Ports ?? BrokerPorts.AllocateFree(), dataDirectory);
        try
        {
            options.PrepareDataDirectory?.Invoke(dataDirectory);
            broker.StartProcess();
            return broker;
        }
        catch
        {
            TryDeleteDirectory(dataDirectory);
            throw;
        }
    }

    /// <summary>Polls /healthz until 200 and the MQTT port accepts a connection; throws <see cref="BrokerStartException"/>.</summary>
    public async Task WaitForReadyAsync(CancellationToken cancellationToken = default)
    {
        Process process = Current;
        Task exited = _exited!.Task;
        var elapsed = Stopwatch.StartNew();
        string lastProbe = "no answer yet";
        bool healthy = Ports.Admin == 0;
        var healthz = new Uri($"http://127.0.0.1:{Ports.Admin}/healthz");

        // Bounded poll: each round costs at most one HTTP timeout (2 s) or one connect attempt, and the
        // pause between rounds ends early when the process exits.
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (process.HasExited)
            {
                await DrainOutputAsync(process).ConfigureAwait(false);
                throw new BrokerStartException(
                    $"The broker exited with code {process.ExitCode} during start-up (ports {Ports}).", process.ExitCode, Output.ToString());
            }

            if (!healthy)
            {
                try
                {
                    using HttpResponseMessage response = await Http.GetAsync(healthz, cancellationToken).ConfigureAwait(false);
                    healthy = response.StatusCode == HttpStatusCode.OK;
                    lastProbe = $"GET {healthz} answered {(int)response.StatusCode}";
                }
                catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
                {
                    lastProbe = $"GET {healthz} failed: {ex.Message}";
                }
            }

            if (healthy && (Ports.Mqtt == 0 || await AcceptsConnectionAsync(Ports.Mqtt, cancellationToken).ConfigureAwait(false)))
            {
                return;
            }

            if (healthy)
            {
                lastProbe = $"/healthz is 200 but MQTT port {Ports.Mqtt} refuses connections";
            }

            if (elapsed.Elapsed > _options.ReadyTimeout)
            {
                throw new BrokerStartException(
                    $"The broker did not become ready within {_options.ReadyTimeout.TotalSeconds:0.#} s (ports {Ports}; last probe: {lastProbe}).",
                    null,
                    Output.ToString());
            }

            await Task.WhenAny(exited, Task.Delay(PollInterval, cancellationToken)).ConfigureAwait(false);
        }
    }

    /// <summary>SIGKILL: the broker dies without flushing or telling its clients; returns when it has exited.</summary>
    public void Kill()
    {
        Process process = Current;
        if (!process.HasExited)
        {
            // Process.Kill() without entireProcessTree is kill(pid, SIGKILL) on Unix.
            process.Kill();
        }

        if (!process.WaitForExit(KillTimeout))
        {
            throw new TimeoutException($"The broker (pid {process.Id}) did not exit within {KillTimeout.TotalSeconds} s of SIGKILL.");
        }

        // The parameterless overload also waits until stdout/stderr are drained into Output.
        process.WaitForExit();
    }

    /// <summary>
    /// SIGTERM, the host's graceful shutdown, then waits for the exit and returns the exit code. A broker that
    /// does not exit within <paramref name="timeout"/> (default 30 s) is killed and reported as a failure.
    /// </summary>
    public async Task<int> StopAsync(TimeSpan? timeout = null)
    {
        Process process = Current;
        if (!process.HasExited && NativeMethods.kill(process.Id, SigTerm) != 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            if (!process.HasExited)
            {
                throw new Win32Exception(errno, $"kill({process.Id}, SIGTERM) failed");
            }
        }

        TimeSpan limit = timeout ?? DefaultStopTimeout;
        try
        {
            return await WaitForExitAsync(limit).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            Kill();
            throw new TimeoutException(
                $"The broker did not exit within {limit.TotalSeconds:0.#} s of SIGTERM and was killed." + Environment.NewLine + Output);
        }
    }

    /// <summary>Waits for the process to exit (and its output to drain); returns the exit code.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        Process process = Current;
        using var limit = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(limit.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException ex) when (limit.IsCancellationRequested)
        {
            throw new TimeoutException($"The broker (pid {process.Id}) did not exit within {timeout.TotalSeconds:0.#} s.", ex);
        }

        return process.ExitCode;
    }

    /// <summary>
    /// Starts the broker again on the same ports and data directory and waits until it is ready. A running
    /// broker is stopped gracefully first; after <see cref="Kill"/> this is a restart after a crash.
    /// </summary>
    public async Task RestartAsync(CancellationToken cancellationToken = default)
    {
        if (!Current.HasExited)
        {
            await StopAsync().ConfigureAwait(false);
        }

        Current.Dispose();
        StartProcess();
        await WaitForReadyAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Kills a running broker (SIGKILL: fast, and tests that wanted a graceful stop asked for it) and deletes the data directory.</summary>
    public ValueTask DisposeAsync()
    {
        if (_process is not null)
        {
            try
            {
                if (!_process.HasExited)
                {
                    Kill();
                }
            }
            catch (InvalidOperationException)
            {
                // Never started or already reaped.
            }

            _process.Dispose();
            _process = null;
        }

        TryDeleteDirectory(DataDirectory);
        return ValueTask.CompletedTask;
    }

    private void StartProcess()
    {
        var output = new BrokerOutput();
        var exited = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var process = new Process { StartInfo = CreateStartInfo(), EnableRaisingEvents = true };
        process.OutputDataReceived += (_, e) => OnLine(output, e.Data, isError: false);
        process.ErrorDataReceived += (_, e) => OnLine(output, e.Data, isError: true);
        process.Exited += (_, _) => exited.TrySetResult();
        try
        {
            process.Start();
        }
        catch
        {
            process.Dispose();
            throw;
        }

        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        Output = output;
        _exited = exited;
        _process = process;
    }

    private ProcessStartInfo CreateStartInfo()
    {
        ProcessStartInfo startInfo;
        if (_options.CommandOverride is { } command)
        {
            startInfo = new ProcessStartInfo(command.FileName, command.Arguments);
        }
        else
        {
            string assembly = _options.AssemblyPath ?? BrokerAssemblyPath;
            if (!File.Exists(assembly))
            {
                throw new FileNotFoundException(
                    $"{BrokerAssemblyName} is not at {assembly}; the test project must reference broker/MqttHealth.Broker.",
                    assembly);
            }

            var arguments = new List<string>
            {
                assembly,
                "--port", Ports.Mqtt.ToString(System.Globalization.CultureInfo.InvariantCulture),
                "--tls-port", (_options.TlsAndWebSocket ? Ports.Tls : 0).ToString(System.Globalization.CultureInfo.InvariantCulture),
                "--ws-port", (_options.TlsAndWebSocket ? Ports.WebSocket : 0).ToString(System.Globalization.CultureInfo.InvariantCulture),
                "--admin-port", Ports.Admin.ToString(System.Globalization.CultureInfo.InvariantCulture),
                "--data", DataDirectory,
            };
            if (_options.AllowAnonymous)
            {
                arguments.Add("--allow-anonymous");
            }

            if (_options.InMemoryStorage)
            {
                arguments.AddRange(["--storage", "memory"]);
            }

            arguments.Add("--Broker:BindAddress=127.0.0.1");
            arguments.AddRange(_options.ExtraArguments);
            startInfo = new ProcessStartInfo(DotnetHost(), arguments);
        }

        startInfo.RedirectStandardOutput = true;
        startInfo.RedirectStandardError = true;
        startInfo.RedirectStandardInput = false;
        startInfo.UseShellExecute = false;
        startInfo.WorkingDirectory = AppContext.BaseDirectory;

        // Endpoints inherited from the test runner's environment would add listeners beyond the ones asked for.
        startInfo.Environment.Remove("ASPNETCORE_URLS");
        startInfo.Environment.Remove("DOTNET_URLS");
        startInfo.Environment.Remove("ASPNETCORE_HTTP_PORTS");
        startInfo.Environment.Remove("ASPNETCORE_HTTPS_PORTS");
        foreach ((string name, string? value) in _options.Environment)
        {
            if (value is null)
            {
                startInfo.Environment.Remove(name);
            }
            else
            {
                startInfo.Environment[name] = value;
            }
        }

        return startInfo;
    }

    private static void OnLine(BrokerOutput output, string? line, bool isError)
    {
        if (line is null)
        {
            output.StreamEnded();
        }
        else
        {
            output.Append(line, isError);
        }
    }

    private static async Task DrainOutputAsync(Process process)
    {
        // The exit is known; give the pipes a bounded moment to deliver the last lines (the stderr that says why).
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try
        {
            await process.WaitForExitAsync(limit.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Report what has arrived.
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

    /// <summary>The dotnet host running the tests (the CLI exports DOTNET_HOST_PATH), else dotnet on PATH.</summary>
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

    private static void TryDeleteDirectory(string directory)
    {
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private static class NativeMethods
    {
        // kill(2): the only way to send SIGTERM from .NET (Process.Kill sends SIGKILL); a system call, not a tool
        // that a slim CI image may lack.
        [DllImport("libc", SetLastError = true)]
        internal static extern int kill(int pid, int sig);
    }
}
