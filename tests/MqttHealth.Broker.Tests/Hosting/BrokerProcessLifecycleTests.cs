using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using MqttHealth.Broker.Hosting;
using MqttHealth.Broker.Testing;

namespace MqttHealth.Broker.Tests.Hosting;

/// <summary>Exit codes and messages of the real process: bad configuration, a refused store, a taken port, SIGTERM, recover.</summary>
public sealed class BrokerProcessLifecycleTests
{
    private static readonly TimeSpan ExitTimeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Start_NonNumericPort_ExitCode2WithOneLineMessage()
    {
        await using BrokerProcess broker = BrokerProcess.Launch(new BrokerProcessOptions { ExtraArguments = ["--port", "abc"] });

        int exitCode = await broker.WaitForExitAsync(ExitTimeout);

        Assert.Equal(BrokerExitCodes.BadConfiguration, exitCode);
        Assert.Contains("mqtthealth-broker: invalid value 'abc' for Broker:Port (--port): expected a whole number", broker.Output.Lines);
    }

    [Fact]
    public async Task Start_UnknownStorageFromEnvironment_ExitCode2()
    {
        await using BrokerProcess broker = BrokerProcess.Launch(new BrokerProcessOptions
        {
            Environment = new Dictionary<string, string?> { ["MQTTHEALTH_Broker__Storage"] = "postgres" },
        });

        int exitCode = await broker.WaitForExitAsync(ExitTimeout);

        Assert.Equal(BrokerExitCodes.BadConfiguration, exitCode);
        Assert.Contains("mqtthealth-broker: unknown storage 'postgres' for Broker:Storage (--storage): expected sqlite or memory", broker.Output.Lines);
    }

    [Fact]
    public async Task Start_RequiredClientCertificatesWithoutCa_ExitCode2()
    {
        await using BrokerProcess broker = BrokerProcess.Launch(new BrokerProcessOptions { ExtraArguments = ["--tls-client-certs", "required"] });

        int exitCode = await broker.WaitForExitAsync(ExitTimeout);

        Assert.Equal(BrokerExitCodes.BadConfiguration, exitCode);
        Assert.Contains(broker.Output.Lines, l => l.StartsWith("mqtthealth-broker: Broker:Tls:ClientCertificates (--tls-client-certs) is required but", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Start_MissingConfigFile_ExitCode2()
    {
        string missing = Path.Combine(Path.GetTempPath(), "mh-missing-" + Guid.NewGuid().ToString("N") + ".json");
        await using BrokerProcess broker = BrokerProcess.Launch(new BrokerProcessOptions { ExtraArguments = ["--config", missing] });

        int exitCode = await broker.WaitForExitAsync(ExitTimeout);

        Assert.Equal(BrokerExitCodes.BadConfiguration, exitCode);
        Assert.Contains($"mqtthealth-broker: configuration file '{missing}' (--config) does not exist", broker.Output.Lines);
    }

    [Fact]
    public async Task Start_ConfigFile_IsLayeredUnderTheCommandLine()
    {
        using var directory = new HostingTempDirectory();
        string config = directory.Write("broker.json", """{ "Broker": { "SysIntervalSeconds": 0, "Storage": "memory" } }""");

        await using BrokerProcess broker = await BrokerProcess.StartAsync(new BrokerProcessOptions { ExtraArguments = ["--config", config] });

        string listening = await broker.Output.WaitForLineContainingAsync("[3001]", MqttWire.Timeout);
        Assert.Contains("storage memory", listening, StringComparison.Ordinal);
        Assert.Contains($"mqtt://127.0.0.1:{broker.Ports.Mqtt}", listening, StringComparison.Ordinal);
        Assert.Contains($"admin http://127.0.0.1:{broker.Ports.Admin}", listening, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_CorruptDatabase_ExitCode3NothingListensThenRecoverLetsItStart()
    {
        await using BrokerProcess broker = BrokerProcess.Launch(new BrokerProcessOptions
        {
            PrepareDataDirectory = directory => File.WriteAllBytes(Path.Combine(directory, "broker.db"), Enumerable.Range(0, 8192).Select(i => (byte)(i * 31)).ToArray()),
        });

        int exitCode = await broker.WaitForExitAsync(ExitTimeout);

        Assert.Equal(BrokerExitCodes.StorageRefused, exitCode);
        string last = broker.Output.Lines.Last(l => l.StartsWith("mqtthealth-broker: ", StringComparison.Ordinal));
        Assert.StartsWith("mqtthealth-broker: storage refused to open: ", last, StringComparison.Ordinal);
        Assert.Contains("recover", last, StringComparison.Ordinal);
        Assert.DoesNotContain(broker.Output.Lines, l => l.Contains("[3001]", StringComparison.Ordinal));

        (int recoverExit, string recoverOutput) = await RunBrokerCommandAsync("recover", "--data", broker.DataDirectory);
        Assert.True(recoverExit == 0, recoverOutput);

        await broker.RestartAsync();
        Assert.False(broker.HasExited);
    }

    [Fact]
    public async Task Start_PortAlreadyTaken_ExitCode4()
    {
        BrokerPorts ports = BrokerPorts.AllocateFree();
        using var squatter = new TcpListener(IPAddress.Loopback, ports.Mqtt);
        squatter.Start();
        await using BrokerProcess broker = BrokerProcess.Launch(new BrokerProcessOptions { Ports = ports, InMemoryStorage = true });

        int exitCode = await broker.WaitForExitAsync(ExitTimeout);

        Assert.Equal(BrokerExitCodes.ListenFailed, exitCode);
        Assert.Contains(broker.Output.Lines, l => l.StartsWith("mqtthealth-broker: cannot listen: ", StringComparison.Ordinal) && l.Contains("address already in use", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Start_ConfiguredCertificate_ServedOnTheTlsPort()
    {
        using var directory = new HostingTempDirectory();
        using var ca = TestCertificates.CreateCa("Facility CA");
        using System.Security.Cryptography.X509Certificates.X509Certificate2 server = ca.IssueClient("localhost", serverAuthenticationOnly: true);
        ca.WritePem(server, directory.File("chain.pem"), directory.File("key.pem"));

        await using BrokerProcess broker = await BrokerProcess.StartAsync(new BrokerProcessOptions
        {
            InMemoryStorage = true,
            ExtraArguments = ["--tls-cert", directory.File("chain.pem"), "--tls-key", directory.File("key.pem")],
        });

        Assert.Equal(System.Security.Authentication.SslProtocols.Tls13, await TlsClient.TryConnectAsync(broker.Ports.Tls, server, System.Security.Authentication.SslProtocols.Tls13));
        Assert.False(File.Exists(broker.DevelopmentCertificatePath));
        Assert.DoesNotContain(broker.Output.Lines, l => l.Contains("[3007]", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Start_UnreadableCertificate_ExitCode2()
    {
        using var directory = new HostingTempDirectory();
        string path = directory.Write("broken.pem", "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n");
        await using BrokerProcess broker = BrokerProcess.Launch(new BrokerProcessOptions { ExtraArguments = ["--tls-cert", path] });

        int exitCode = await broker.WaitForExitAsync(ExitTimeout);

        Assert.Equal(BrokerExitCodes.BadConfiguration, exitCode);
        Assert.Contains(broker.Output.Lines, l => l.StartsWith($"mqtthealth-broker: cannot load Broker:Tls:CertificatePath (--tls-cert) '{path}'", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Stop_Sigterm_GracefulExitCode0()
    {
        await using BrokerProcess broker = await BrokerProcess.StartAsync();

        int exitCode = await broker.StopAsync();

        Assert.Equal(BrokerExitCodes.Ok, exitCode);
        Assert.Contains(broker.Output.Lines, l => l.Contains("[3004]", StringComparison.Ordinal));
        Assert.Contains(broker.Output.Lines, l => l.Contains("[3005] Broker stopped; storage flushed", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Start_AllowAnonymous_WarnsWithEventId3002()
    {
        await using BrokerProcess broker = await BrokerProcess.StartAsync(new BrokerProcessOptions { InMemoryStorage = true });

        Assert.Contains(broker.Output.Lines, l => l.Contains("warn: ", StringComparison.Ordinal) && l.Contains("[3002] ANONYMOUS ACCESS IS ON", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Help_RealProcess_ListsEveryOptionAndExits0()
    {
        (int exitCode, string output) = await RunBrokerCommandAsync("--help");

        Assert.Equal(0, exitCode);
        foreach (BrokerFlag flag in BrokerCommandLine.Flags)
        {
            Assert.Contains(flag.Name, output, StringComparison.Ordinal);
        }
    }

    /// <summary>Runs <c>dotnet mqtthealth-broker.dll ARGS</c> to completion; returns the exit code and stdout + stderr.</summary>
    private static async Task<(int ExitCode, string Output)> RunBrokerCommandAsync(params string[] args)
    {
        string host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } path && File.Exists(path) ? path : "dotnet";
        var startInfo = new ProcessStartInfo(host, [BrokerProcess.BrokerAssemblyPath, .. args])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        using var process = Process.Start(startInfo)!;
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(ExitTimeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill();
            throw;
        }

        return (process.ExitCode, await stdout + await stderr);
    }
}
