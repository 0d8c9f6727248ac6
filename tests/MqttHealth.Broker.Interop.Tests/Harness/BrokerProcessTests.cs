using System.Net;
using System.Net.Sockets;
using MqttHealth.Broker.Testing;

namespace MqttHealth.Broker.Interop.Tests.Harness;

/// <summary>
/// The shared test infrastructure that starts the real broker (tests/Shared): its failure paths, proven with
/// stand-in programs, and start, kill, restart and stop against the real broker.
/// </summary>
public sealed class BrokerProcessTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(10) };

    [Fact]
    public async Task StartAsync_ProcessExitsDuringStartup_ReportsExitCodeAndStderr()
    {
        var options = new BrokerProcessOptions
        {
            CommandOverride = ("/bin/sh", ["-c", "echo starting up; echo 'fatal: storage is damaged' >&2; exit 3"]),
        };

        BrokerStartException ex = await Assert.ThrowsAsync<BrokerStartException>(() => BrokerProcess.StartAsync(options));

        Assert.Equal(3, ex.ExitCode);
        Assert.Contains("exited with code 3", ex.Message, StringComparison.Ordinal);
        Assert.Contains("[stderr] fatal: storage is damaged", ex.Message, StringComparison.Ordinal);
        Assert.Contains("starting up", ex.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartAsync_ProcessNeverReady_FailsAfterReadyTimeoutWithOutput()
    {
        var options = new BrokerProcessOptions
        {
            // Runs but never serves /healthz; exec so that the killed pid is the sleeping program itself.
            CommandOverride = ("/bin/sh", ["-c", "echo 'listening nowhere' >&2; exec sleep 120"]),
            ReadyTimeout = TimeSpan.FromSeconds(1),
        };

        BrokerStartException ex = await Assert.ThrowsAsync<BrokerStartException>(() => BrokerProcess.StartAsync(options));

        Assert.Null(ex.ExitCode);
        Assert.Contains("did not become ready", ex.Message, StringComparison.Ordinal);
        Assert.Contains("[stderr] listening nowhere", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Output_WaitForLine_MatchesWrittenLineAndFailsWhenOutputEnds()
    {
        await using BrokerProcess process = BrokerProcess.Launch(new BrokerProcessOptions
        {
            CommandOverride = ("/bin/sh", ["-c", "echo one; echo two >&2; echo three"]),
        });

        string line = await process.Output.WaitForLineContainingAsync("two", Timeout);
        Assert.Equal("two", line);
        Assert.Equal(0, await process.WaitForExitAsync(Timeout));
        await Assert.ThrowsAsync<InvalidOperationException>(() => process.Output.WaitForLineContainingAsync("four", Timeout));
        Assert.Equal(["one", "three"], process.Output.Lines.Where(l => l != "two"));
    }

    [Fact]
    public void Output_MoreLinesThanCapacity_KeepsTheLastAndSaysHowManyWereDropped()
    {
        var output = new BrokerOutput(capacity: 3);
        for (int i = 1; i <= 5; i++)
        {
            output.Append("line " + i, isError: i == 5);
        }

        Assert.Equal(["line 3", "line 4", "line 5"], output.Lines);
        Assert.Equal(5, output.TotalLines);
        Assert.StartsWith("[... 2 earlier lines dropped]", output.ToString(), StringComparison.Ordinal);
        Assert.Contains("[stderr] line 5", output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void FreePorts_Allocate_ReturnsDistinctBindablePorts()
    {
        int[] ports = FreePorts.Allocate(4);

        Assert.Equal(4, ports.Distinct().Count());
        foreach (int port in ports)
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            listener.Stop();
        }
    }

    [Fact]
    public async Task StartAsync_MqttPortTaken_BrokerExitsAndReportsAddressInUse()
    {
        using var occupant = new TcpListener(IPAddress.Loopback, 0);
        occupant.Start();
        int[] free = FreePorts.Allocate(3);
        var options = new BrokerProcessOptions
        {
            InMemoryStorage = true,
            Ports = new BrokerPorts(((IPEndPoint)occupant.LocalEndpoint).Port, free[0], free[1], free[2]),
        };

        BrokerStartException ex = await Assert.ThrowsAsync<BrokerStartException>(() => BrokerProcess.StartAsync(options));

        Assert.NotNull(ex.ExitCode);
        Assert.NotEqual(0, ex.ExitCode);
        Assert.True(ex.PortInUse, "The broker should say 'address already in use' when its port is taken:" + Environment.NewLine + ex.Output);
    }

    [Fact]
    public async Task StartAsync_RealBroker_HealthzAnswersAndGracefulStopExitsZero()
    {
        await using BrokerProcess broker = await BrokerProcess.StartAsync(new BrokerProcessOptions { InMemoryStorage = true });

        using HttpResponseMessage health = await Http.GetAsync(new Uri($"http://127.0.0.1:{broker.Ports.Admin}/healthz"));
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.False(broker.HasExited);

        int exitCode = await broker.StopAsync();
        Assert.True(exitCode == 0, $"SIGTERM should shut the broker down with exit code 0, was {exitCode}.{Environment.NewLine}{broker.Output}");
    }

    [Fact]
    public async Task RestartAsync_AfterSigkill_ReadyAgainOnSamePortsAndDataDirectory()
    {
        await using BrokerProcess broker = await BrokerProcess.StartAsync();
        BrokerPorts ports = broker.Ports;
        int firstPid = broker.ProcessId;

        // An open MQTT connection at the moment of the crash leaves the port with a dead peer; rebinding must still work.
        using var connection = new TcpClient();
        await connection.ConnectAsync(IPAddress.Loopback, ports.Mqtt);
        broker.Kill();
        Assert.True(broker.HasExited);
        Assert.Equal(137, broker.ExitCode); // 128 + SIGKILL (9)

        await broker.RestartAsync();

        Assert.NotEqual(firstPid, broker.ProcessId);
        Assert.Equal(ports, broker.Ports);
        Assert.True(Directory.Exists(broker.DataDirectory));
        using HttpResponseMessage health = await Http.GetAsync(new Uri($"http://127.0.0.1:{ports.Admin}/healthz"));
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
    }

    [Fact]
    public async Task DisposeAsync_RunningBroker_KillsItAndDeletesDataDirectory()
    {
        BrokerProcess broker = BrokerProcess.Launch(new BrokerProcessOptions
        {
            CommandOverride = ("/bin/sh", ["-c", "exec sleep 120"]),
        });
        string dataDirectory = broker.DataDirectory;
        Assert.True(Directory.Exists(dataDirectory));

        await broker.DisposeAsync();

        Assert.False(Directory.Exists(dataDirectory));
    }
}
