using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace MqttHealth.Broker.Testing;

/// <summary>
/// A Mosquitto 2.0 broker started as a child process on a free loopback port, with its configuration (and any
/// password or ACL file) in a temporary directory. Ready when mosquitto logs that it is running and the port
/// accepts a connection; killed and cleaned up on dispose. Missing mosquitto is a test failure, not a skip.
/// </summary>
/// <remarks>
/// Shared by the client tests (the reference broker our client is checked against) and the load generator in
/// <c>bench/</c> (the broker ours is compared with). The base configuration is a loopback listener, anonymous
/// access, no persistence, TCP_NODELAY and stderr logging; <c>extraConfig</c> lines come after it and, for
/// global options such as <c>persistence</c>, override it.
/// </remarks>
public sealed class MosquittoBroker : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(10);

    private readonly Process _process;
    private readonly StringBuilder _log;

    private MosquittoBroker(Process process, StringBuilder log, int port, string directory)
    {
        _process = process;
        _log = log;
        Port = port;
        Directory = directory;
    }

    public int Port { get; }

    /// <summary>The mosquitto process id (for CPU time and memory read from /proc).</summary>
    public int ProcessId => _process.Id;

    /// <summary>The path of the mosquitto executable that <see cref="StartAsync"/> runs.</summary>
    public static string ExecutablePath => FindExecutable();

    /// <summary>The temporary directory holding mosquitto.conf and the files a test adds.</summary>
    public string Directory { get; }

    /// <summary>What mosquitto has logged so far (for failure messages).</summary>
    public string Log
    {
        get
        {
            lock (_log)
            {
                return _log.ToString();
            }
        }
    }

    /// <summary>
    /// Starts mosquitto. <paramref name="extraConfig"/> is appended to the base configuration; it may refer to
    /// files that <paramref name="prepare"/> writes into the broker's directory first, as <c>%DIR%/name</c>.
    /// </summary>
    public static async Task<MosquittoBroker> StartAsync(string extraConfig = "", Action<string>? prepare = null)
    {
        string executable = FindExecutable();
        Exception? last = null;

        // A free port found by binding port 0 can be taken by another process before mosquitto binds it: retry.
        for (int attempt = 0; attempt < 3; attempt++)
        {
            string directory = Path.Combine(Path.GetTempPath(), "mh-mosquitto-" + Guid.NewGuid().ToString("N"));
            System.IO.Directory.CreateDirectory(directory);
            prepare?.Invoke(directory);
            int port = FreePort();
            string config = $"""
                listener {port} 127.0.0.1
                allow_anonymous true
                persistence false
                set_tcp_nodelay true
                log_dest stderr
                log_type error
                log_type warning
                log_type notice
                log_type information
                user {Environment.UserName}
                {extraConfig.Replace("%DIR%", directory, StringComparison.Ordinal)}
                """;
            string configPath = Path.Combine(directory, "mosquitto.conf");
            await File.WriteAllTextAsync(configPath, config.Replace("\r", string.Empty, StringComparison.Ordinal) + "\n");
            try
            {
                return await LaunchAsync(executable, configPath, port, directory);
            }
            catch (InvalidOperationException ex)
            {
                last = ex;
                TryDelete(directory);
            }
        }

        throw new InvalidOperationException("mosquitto did not start after 3 attempts.", last);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(5));
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }

        _process.Dispose();
        TryDelete(Directory);
    }

    private static async Task<MosquittoBroker> LaunchAsync(string executable, string configPath, int port, string directory)
    {
        var log = new StringBuilder();
        var running = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var process = new Process
        {
            StartInfo = new ProcessStartInfo(executable, ["-c", configPath])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            },
            EnableRaisingEvents = true,
        };
        DataReceivedEventHandler onLine = (_, e) =>
        {
            if (e.Data is null)
            {
                return;
            }

            lock (log)
            {
                log.AppendLine(e.Data);
            }

            // Logged after the listeners are open (mosquitto.c). stderr, because stdout is block-buffered into a pipe.
            if (e.Data.Contains(" running", StringComparison.Ordinal))
            {
                running.TrySetResult();
            }
        };
        process.OutputDataReceived += onLine;
        process.ErrorDataReceived += onLine;
        process.Exited += (_, _) => running.TrySetException(new InvalidOperationException("mosquitto exited during start-up."));
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var broker = new MosquittoBroker(process, log, port, directory);
        try
        {
            await running.Task.WaitAsync(StartTimeout);
            await WaitForPortAsync(port);
            return broker;
        }
        catch (Exception ex) when (ex is InvalidOperationException or TimeoutException or SocketException)
        {
            string output = broker.Log;
            await broker.DisposeAsync();
            throw new InvalidOperationException($"mosquitto did not start on port {port}: {ex.Message}\n{output}", ex);
        }
    }

    private static async Task WaitForPortAsync(int port)
    {
        // Bounded: the log line says the listener is open, so the first attempt normally succeeds.
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                await socket.ConnectAsync(IPAddress.Loopback, port).WaitAsync(TimeSpan.FromSeconds(2));
                return;
            }
            catch (SocketException) when (deadline.Elapsed < StartTimeout)
            {
                // Poll interval of a bounded retry, not a wait for an outcome.
                await Task.Delay(25);
            }
        }
    }

    private static string FindExecutable()
    {
        string[] candidates = ["/usr/sbin/mosquitto", "/usr/local/sbin/mosquitto", "/usr/bin/mosquitto", "/usr/local/bin/mosquitto"];
        foreach (string candidate in candidates)
        {
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        foreach (string dir in (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            string candidate = Path.Combine(dir, "mosquitto");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new InvalidOperationException(
            "A Mosquitto 2.0 broker is needed (the client tests' reference broker, the benchmark's comparison), and 'mosquitto' is not installed. Install it with: apt-get install mosquitto");
    }

    private static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    private static void TryDelete(string directory)
    {
        try
        {
            System.IO.Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
