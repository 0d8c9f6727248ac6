using System.Threading.Channels;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Console;
using MqttHealth.EdgeAgent.Inputs;
using MqttHealth.EdgeAgent.Options;
using MqttHealth.EdgeAgent.Outbox;
using MqttHealth.EdgeAgent.Pipeline;
using MqttHealth.EdgeAgent.Status;
using MqttHealth.EdgeAgent.Uplink;

namespace MqttHealth.EdgeAgent.Hosting;

/// <summary>
/// The executable: parses the command line, layers, binds and validates the configuration, loads the device
/// identities and opens the outbox (any failure: one line on stderr, exit 2 for configuration, 1 otherwise), then runs
/// the generic host until SIGTERM or Ctrl+C: pipeline, uplink, status, inputs (stopped in the reverse order: inputs
/// first, so nothing is accepted that cannot be stored).
/// </summary>
public static class AgentProgram
{
    public const string Name = "mqtthealth-agent";

    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        AgentCommandLine commandLine = AgentCommandLine.Parse(args);
        if (commandLine.Error is { } parseError)
        {
            error.WriteLine($"{Name}: {parseError} (see --help)");
            return AgentExitCodes.BadConfiguration;
        }

        if (commandLine.Command == AgentCommand.Help)
        {
            AgentUsage.Write(output);
            return AgentExitCodes.Ok;
        }

        AgentOptions options;
        try
        {
            options = AgentConfiguration.Load(commandLine);
        }
        catch (AgentConfigurationException ex)
        {
            error.WriteLine($"{Name}: {ex.Message}");
            return AgentExitCodes.BadConfiguration;
        }

        if (commandLine.Command == AgentCommand.Status)
        {
            return StatusCommand.Run(options, output, error);
        }

        List<string> problems = AgentOptionsValidator.Validate(options);
        if (problems.Count > 0)
        {
            foreach (string problem in problems)
            {
                error.WriteLine($"{Name}: {problem}");
            }

            return AgentExitCodes.BadConfiguration;
        }

        TimeProvider time = TimeProvider.System;
        DeviceSenders senders;
        try
        {
            senders = DeviceSenders.Load(options, time);
        }
        catch (AgentConfigurationException ex)
        {
            error.WriteLine($"{Name}: {ex.Message}");
            return AgentExitCodes.BadConfiguration;
        }

        using (senders)
        {
            OutboxStore store;
            try
            {
                store = OutboxStore.Open(options.DataDirectory, options.Outbox, time);
            }
            catch (Exception ex) when (ex is SqliteException or IOException or UnauthorizedAccessException)
            {
                error.WriteLine($"{Name}: cannot open the outbox in {Path.GetFullPath(options.DataDirectory)}: {ex.Message}");
                return AgentExitCodes.Failure;
            }

            using (store)
            {
                using IHost host = BuildHost(options, senders, store, time);
                ILogger logger = host.Services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(AgentProgram).FullName!);
                logger.AgentStarted(string.Join(", ", senders.Names), Path.GetFullPath(options.DataDirectory), options.Broker.Host, options.Broker.Port, UplinkService.ClientId(options));
                await host.StartAsync().ConfigureAwait(false);
                await host.WaitForShutdownAsync().ConfigureAwait(false);

                // The last word for 'status': counters flushed, the link stopped.
                host.Services.GetRequiredService<AgentStatus>().SetLink(LinkState.Stopped);
                host.Services.GetRequiredService<StatusService>().Current();
            }
        }

        return AgentExitCodes.Ok;
    }

    private static IHost BuildHost(AgentOptions options, DeviceSenders senders, OutboxStore store, TimeProvider time)
    {
        // No default sources: the configuration above is the only one (appsettings.json or DOTNET_ variables must not
        // change what the agent does behind the operator's back).
        HostApplicationBuilder builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true, Args = [] });
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(console =>
        {
            console.SingleLine = true;
            console.UseUtcTimestamp = true;
            console.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ";
        });

        // Logs on stderr: stdout carries the replies of the stdin input.
        builder.Services.Configure<ConsoleLoggerOptions>(console => console.LogToStandardErrorThreshold = LogLevel.Trace);
        builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = options.ShutdownTimeout);
        builder.Services.Configure<ConsoleLifetimeOptions>(lifetime => lifetime.SuppressStatusMessages = true);

        var status = new AgentStatus(time);
        var channel = Channel.CreateBounded<IntakeRequest>(new BoundedChannelOptions(options.Outbox.GroupCommitMax * 4) { SingleReader = true });
        var wake = new WakeSignal();
        IServiceCollection services = builder.Services;
        services.AddSingleton(options);
        services.AddSingleton(time);
        services.AddSingleton(senders);
        services.AddSingleton(store);
        services.AddSingleton(status);
        services.AddSingleton(channel);
        services.AddSingleton(wake);
        services.AddSingleton(new ReadingIntake(channel.Writer, senders.Names, status, time));
        services.AddSingleton<StatusService>();
        services.AddHostedService<SystemdNotifier>();
        services.AddHostedService<ReadingPipeline>();
        services.AddHostedService<UplinkService>();
        services.AddHostedService(sp => sp.GetRequiredService<StatusService>());
        AddSources(services, options, status);
        services.AddHostedService<InputHost>();
        return builder.Build();
    }

    private static void AddSources(IServiceCollection services, AgentOptions options, AgentStatus status)
    {
        InputOptions inputs = options.Inputs;
        if (inputs.Stdin)
        {
            services.AddSingleton<IReadingSource>(new StdinSource(status, inputs.MaxLineBytes));
        }

        if (!string.IsNullOrEmpty(inputs.SocketPath))
        {
            services.AddSingleton<IReadingSource>(sp => new UnixSocketSource(inputs.SocketPath, status, inputs.MaxLineBytes, sp.GetRequiredService<ILoggerFactory>().CreateLogger<UnixSocketSource>()));
        }

        if (options.Simulator.Devices > 0)
        {
            services.AddSingleton<IReadingSource>(sp => new SimulatorSource(
                options.Simulator, sp.GetRequiredService<DeviceSenders>().Names, sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILoggerFactory>().CreateLogger<SimulatorSource>()));
        }

        if (inputs.HttpPort > 0)
        {
            services.AddSingleton<IReadingSource>(sp => new HttpSource(inputs, status, sp.GetRequiredService<StatusService>().Current, sp.GetRequiredService<ILoggerFactory>().CreateLogger<HttpSource>()));
        }
    }
}
