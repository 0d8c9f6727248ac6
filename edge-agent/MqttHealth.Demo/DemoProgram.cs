using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using MqttHealth.Demo.Integrator;
using MqttHealth.Demo.Processes;
using MqttHealth.Demo.Setup;
using MqttHealth.Payloads.Keys;

namespace MqttHealth.Demo;

/// <summary>
/// <c>mqtthealth-demo [--data DIR] [--port N]</c>: the whole path in one command. Makes (or reuses) the demo data,
/// starts the broker on loopback (a free port, or <c>--port</c>), three edge agents each simulating one bedside
/// monitor (stable, deteriorating, arrhythmic), and the integrator, which prints the decrypted readings. Ctrl+C (or
/// SIGTERM) stops the agents, the integrator and the broker, in that order, and exits 0.
/// </summary>
public static class DemoProgram
{
    public const string Name = "mqtthealth-demo";

    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(20);

    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        string directory = "demo-data";
        int? port = null;
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--data" when i + 1 < args.Length:
                    directory = args[++i];
                    break;
                case "--port" when i + 1 < args.Length && int.TryParse(args[i + 1], NumberStyles.None, CultureInfo.InvariantCulture, out int p) && p is > 0 and <= 65535:
                    port = p;
                    i++;
                    break;
                case "--help" or "-h":
                    output.WriteLine($"Usage: {Name} [--data DIR (default ./demo-data)] [--port N (default: a free port)]");
                    output.WriteLine("Starts the broker, three simulated bedside monitors with their edge agents and an integrator that prints");
                    output.WriteLine("the decrypted readings. Ctrl+C stops everything. See README.md and docs/edge-agent.md.");
                    return 0;
                default:
                    error.WriteLine($"{Name}: unknown or incomplete option '{args[i]}' (see --help)");
                    return 2;
            }
        }

        using var stop = new CancellationTokenSource();
        using PosixSignalRegistration sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
        using PosixSignalRegistration sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
        void Stop(PosixSignalContext context)
        {
            context.Cancel = true;
            stop.Cancel();
        }

        try
        {
            int mqttPort = ChoosePort(port);
            DemoData data = await DemoData.OpenAsync(directory, AddUserAsync, error).ConfigureAwait(false);
            return await RunAsync(data, mqttPort, output, error, stop.Token).ConfigureAwait(false);
        }
        catch (DemoException ex)
        {
            error.WriteLine($"{Name}: {ex.Message}");
            return ex.InnerException is null ? 2 : 1;
        }
    }

    private static async Task<int> RunAsync(DemoData data, int port, TextWriter output, TextWriter error, CancellationToken stopping)
    {
        var agents = new List<ChildProcess>();
        await using ChildProcess broker = ChildProcess.Start(
            "broker",
            "mqtthealth-broker.dll",
            ["--data", data.BrokerDirectory, "--port", port.ToString(CultureInfo.InvariantCulture), "--tls-port", "0", "--ws-port", "0", "--admin-port", "0", "--Broker:BindAddress=127.0.0.1"],
            Path.Combine(data.LogDirectory, "broker.log"));
        bool clean = true;
        try
        {
            await WaitForBrokerAsync(broker, port, data, stopping).ConfigureAwait(false);
            foreach ((string device, string profile) in DemoData.Monitors)
            {
                string config = data.WriteAgentConfig(device, profile, port);
                agents.Add(ChildProcess.Start(device, "mqtthealth-agent.dll", ["--config", config], Path.Combine(data.LogDirectory, device + ".log")));
            }

            error.WriteLine($"Broker on 127.0.0.1:{port} (users and policy: {data.BrokerDirectory}); agents {string.Join(", ", DemoData.Monitors.Select(m => $"{m.Device} ({m.Profile})"))}");
            error.WriteLine($"Logs: {data.LogDirectory}. Decrypted readings follow; Ctrl+C stops everything.");

            var trust = new FacilityTrust(KeyIdentity.ParseCertificatePem(File.ReadAllText(data.CaCertificate), data.CaCertificate));
            KeyIdentity identity = KeyIdentity.Load(
                data.IdentityFile(DemoData.IntegratorName, ".crt.pem"),
                data.IdentityFile(DemoData.IntegratorName, ".key.pem"),
                FirstLine(data.IdentityFile(DemoData.IntegratorName, ".pass")),
                trust);
            await using var integrator = new DemoIntegrator(DemoData.Facility, identity, trust, port, DemoData.IntegratorName, FirstLine(data.PasswordFile(DemoData.IntegratorName)), output, error, color: !Console.IsOutputRedirected);
            using var failed = CancellationTokenSource.CreateLinkedTokenSource(stopping);
            Task integrating = integrator.RunAsync(failed.Token);
            Task exited = Task.WhenAny([.. agents.Append(broker).Select(c => c.WaitForExitAsync(Timeout.InfiniteTimeSpan))]);
            await ((Task)Task.WhenAny(exited, Task.Delay(Timeout.Infinite, stopping))).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            if (!stopping.IsCancellationRequested)
            {
                ChildProcess gone = agents.Append(broker).First(c => c.HasExited);
                error.WriteLine($"{Name}: {gone.Name} stopped (exit {gone.ExitCode}); see {data.LogDirectory}. Stopping the others.");
                clean = false;
            }

            await failed.CancelAsync().ConfigureAwait(false);
            await integrating.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // Ctrl+C during start-up: stop what runs already.
        }
        finally
        {
            error.WriteLine("Stopping the agents, the integrator and the broker ...");
            bool[] stopped = await Task.WhenAll(agents.Select(a => a.StopAsync(StopTimeout))).ConfigureAwait(false);
            clean &= stopped.All(s => s) & await broker.StopAsync(StopTimeout).ConfigureAwait(false);
            foreach (ChildProcess agent in agents)
            {
                await agent.DisposeAsync().ConfigureAwait(false);
            }
        }

        error.WriteLine(clean ? "Stopped." : $"Stopped, not cleanly: see {data.LogDirectory}.");
        return clean ? 0 : 1;
    }

    /// <summary>The broker's own <c>users add</c> verb writes the password hash into its users file.</summary>
    private static async Task AddUserAsync(DemoData data, string user, IReadOnlyList<string> options)
    {
        await using ChildProcess verb = ChildProcess.Start(
            "users add", "mqtthealth-broker.dll", ["users", "add", user, .. options, "--password-stdin", "--data", data.BrokerDirectory],
            Path.Combine(data.LogDirectory, "broker-users.log"), FirstLine(data.PasswordFile(user)) + "\n");
        if (await verb.WaitForExitAsync(StartTimeout).ConfigureAwait(false) != 0)
        {
            throw new DemoException($"adding the broker user '{user}' failed: see {Path.Combine(data.LogDirectory, "broker-users.log")}", new InvalidOperationException(user));
        }
    }

    private static async Task WaitForBrokerAsync(ChildProcess broker, int port, DemoData data, CancellationToken stopping)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            if (broker.HasExited)
            {
                throw new DemoException($"the broker stopped at start-up (exit {broker.ExitCode}): see {Path.Combine(data.LogDirectory, "broker.log")}", new InvalidOperationException("broker"));
            }

            using (var probe = new TcpClient())
            {
                try
                {
                    await probe.ConnectAsync(IPAddress.Loopback, port, stopping).ConfigureAwait(false);
                    return;
                }
                catch (SocketException)
                {
                    // not listening yet
                }
            }

            if (clock.Elapsed > StartTimeout)
            {
                throw new DemoException($"the broker did not listen on 127.0.0.1:{port} within {StartTimeout.TotalSeconds} s: see {Path.Combine(data.LogDirectory, "broker.log")}", new TimeoutException());
            }

            await Task.Delay(200, stopping).ConfigureAwait(false);
        }
    }

    /// <summary>The given port, when it is free (a running broker there is a clear error, not a silent clash); else a free one.</summary>
    private static int ChoosePort(int? wanted)
    {
        try
        {
            var listener = new TcpListener(IPAddress.Loopback, wanted ?? 0);
            listener.Start();
            int port = ((IPEndPoint)listener.LocalEndpoint).Port;
            listener.Stop();
            return port;
        }
        catch (SocketException ex)
        {
            throw new DemoException($"port {wanted} on 127.0.0.1 is in use ({ex.Message}; is a broker already running there?): choose another with --port, or leave --port out for a free one");
        }
    }

    private static string FirstLine(string path) => File.ReadLines(path).First().Trim();
}
