using System.Diagnostics.Metrics;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;
using MqttHealth.Broker.Audit;
using MqttHealth.Broker.Admin;
using MqttHealth.Broker.Engine;
using MqttHealth.Broker.Listeners;
using MqttHealth.Broker.Observability;
using MqttHealth.Broker.Options;
using MqttHealth.Broker.Security.Authentication;
using MqttHealth.Broker.Security.Authentication.Tokens;
using MqttHealth.Broker.Security.Authorization;
using MqttHealth.Broker.Storage;

namespace MqttHealth.Broker.Hosting;

/// <summary>
/// The executable: parses the command line, layers and validates the configuration, and runs the broker on
/// Kestrel until SIGTERM or Ctrl+C. Every failure before the broker runs is one line on stderr and a
/// documented exit code (<see cref="BrokerExitCodes"/>); nothing listens unless the configuration is valid
/// and the store has opened.
/// </summary>
public static class BrokerProgram
{
    private const string ProgramName = "mqtthealth-broker";

    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        BrokerCommandLine commandLine = BrokerCommandLine.Parse(args);
        if (commandLine.Error is { } parseError)
        {
            error.WriteLine($"{ProgramName}: {parseError} (see --help)");
            return BrokerExitCodes.BadConfiguration;
        }

        switch (commandLine.Command)
        {
            case BrokerCommand.Help:
                BrokerUsage.Write(output);
                return BrokerExitCodes.Ok;
            case BrokerCommand.Version:
                output.WriteLine(SysTopics.VersionText);
                return BrokerExitCodes.Ok;
            case BrokerCommand.Recover:
                return RecoverCommand.Run(commandLine, AppContext.BaseDirectory, EnvironmentName(), output, error);
            case BrokerCommand.Users:
                return UsersCommand.Run(commandLine.VerbArguments, AppContext.BaseDirectory, EnvironmentName(), Console.In, !Console.IsInputRedirected, output, error);
            case BrokerCommand.Audit:
                return AuditVerb.Run(commandLine.VerbArguments, AppContext.BaseDirectory, EnvironmentName(), output, error);
            case BrokerCommand.BreakGlass:
                return BreakGlassVerb.Run(commandLine.VerbArguments, AppContext.BaseDirectory, EnvironmentName(), output, error);
        }

        // Content root = the binary's directory, so appsettings.json is found whatever the working directory.
        // The real arguments are not passed (they are parsed above and become the last configuration layer).
        // These three empty the host's URL settings, which are read before the configuration below replaces
        // the default sources: endpoints come only from BrokerOptions, and ASPNETCORE_URLS or
        // ASPNETCORE_HTTP_PORTS (set in Microsoft's container images) must neither add one nor cause a warning.
        WebApplicationBuilder builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = ["--urls=", "--http_ports=", "--https_ports="],
            ContentRootPath = AppContext.BaseDirectory,
        });
        builder.Configuration.Sources.Clear();
        if (!BrokerConfiguration.TryAddSources(builder.Configuration, commandLine, builder.Environment.ContentRootPath, builder.Environment.EnvironmentName, out string? sourceError))
        {
            return Fail(error, sourceError!);
        }

        if (!BrokerConfiguration.TryBind(builder.Configuration, out BrokerOptions options, out string? bindError))
        {
            return Fail(error, bindError!);
        }

        IReadOnlyList<string> problems = BrokerOptionsValidator.Validate(options);
        if (problems.Count > 0)
        {
            foreach (string problem in problems)
            {
                error.WriteLine($"{ProgramName}: {problem}");
            }

            return BrokerExitCodes.BadConfiguration;
        }

        // Read before anything starts: an invalid users file is a configuration error (exit 2) naming the file.
        UserStore users;
        try
        {
            users = UserStore.Open(options.Security.ResolveUsersFile(options.DataDirectory));
        }
        catch (UserStoreException ex)
        {
            return Fail(error, ex.Message);
        }

        // The topic policy, when there is one: a file that cannot be read or parsed is a configuration error too.
        PolicyStore? policy = null;
        string? policyPath = options.Security.ResolvePolicyFile(options.DataDirectory);
        if (policyPath is not null)
        {
            try
            {
                policy = PolicyStore.Load(policyPath);
            }
            catch (PolicyException ex)
            {
                return Fail(error, ex.Message);
            }
        }

        // JWT bearer tokens, when configured: a key set that cannot be read or holds no usable key is a configuration error.
        JsonWebKeySetFile? jwks = null;
        if (!string.IsNullOrWhiteSpace(options.Security.Jwt.JwksFile))
        {
            try
            {
                jwks = JsonWebKeySetFile.Open(options.Security.Jwt.JwksFile);
            }
            catch (JwksException ex)
            {
                return Fail(error, ex.Message);
            }
        }

        TlsListenerSettings? tls = null;
        if (options.TlsPort > 0 && !TlsListenerSettings.TryLoad(options, TimeProvider.System, out tls, out string? tlsError))
        {
            return Fail(error, tlsError!);
        }

        ConfigureHost(builder, options, tls, users, policy, jwks);
        WebApplication app;
        try
        {
            app = builder.Build();
        }
#pragma warning disable CA1031 // Reported as one line and an exit code, like every start-up failure.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            tls?.Dispose();
            (int code, string message) = Classify(ex);
            error.WriteLine($"{ProgramName}: {message.ReplaceLineEndings(" ")}");
            return code;
        }

        ConfigurePipeline(app, options);
        return await RunAppAsync(app, tls, error).ConfigureAwait(false);
    }

    private static void ConfigureHost(WebApplicationBuilder builder, BrokerOptions options, TlsListenerSettings? tls, UserStore users, PolicyStore? policy, JsonWebKeySetFile? jwks)
    {
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(console =>
        {
            console.SingleLine = true;
            console.UseUtcTimestamp = true;
            console.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ";
        });

        // All logs on stderr, like mosquitto: stdout is for --help and recover's report.
        builder.Services.Configure<ConsoleLoggerOptions>(console => console.LogToStandardErrorThreshold = LogLevel.Trace);
        builder.Host.UseConsoleLifetime(lifetime => lifetime.SuppressStatusMessages = true);
        builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = options.ShutdownTimeout);

        builder.WebHost.ConfigureKestrel(kestrel => BrokerListeners.Configure(kestrel, options, tls));

        IServiceCollection services = builder.Services;
        services.AddOptions<BrokerOptions>().Bind(builder.Configuration.GetSection(BrokerOptions.SectionName));
        services.AddSingleton<IValidateOptions<BrokerOptions>, BrokerOptionsValidator>();
        services.AddSingleton(TimeProvider.System);
        services.AddMetrics();
        services.AddSingleton(sp => new BrokerMetrics(sp.GetRequiredService<IMeterFactory>()));
        services.AddSingleton(sp => BrokerStoreFactory.Create(sp.GetRequiredService<IOptions<BrokerOptions>>().Value, sp.GetRequiredService<ILoggerFactory>()));
        services.AddSingleton(users);
        services.AddSingleton(sp => new ConnectAuthenticator(
            users,
            new PasswordHasher(options.Security.PasswordIterations),
            sp.GetRequiredService<ILogger<ConnectAuthenticator>>(),
            backoff: new AuthFailureBackoff(options.Security.AuthFailureBackoffBase, options.Security.AuthFailureBackoffMax, sp.GetRequiredService<TimeProvider>()))
        {
            Tokens = jwks is null ? null : new TokenAuthenticator(options.Security.Jwt, jwks, sp.GetRequiredService<ILogger<TokenAuthenticator>>(), sp.GetRequiredService<TimeProvider>()),
            // Client certificates are identities when the TLS listener asks for them (docs/authentication.md).
            Certificates = tls?.ClientValidator is { } validator
                ? new CertificateAuthenticator(options.Security.Certificates, users, validator.Revocation, sp.GetRequiredService<ILogger<CertificateAuthenticator>>(), sp.GetRequiredService<TimeProvider>())
                : null,
        });
        // The audit trail (audit.db in the data directory): opened with the engine, flushed and checkpointed when the
        // host is disposed, after every connection has ended.
        services.AddSingleton(sp => AuditLog.Open(options.DataDirectory, options.Audit, sp.GetRequiredService<ILogger<AuditLog>>(), sp.GetRequiredService<TimeProvider>()));
        if (policy is not null)
        {
            services.AddSingleton(policy);
        }

        services.AddSingleton<MqttBroker>();
        services.AddSingleton<BrokerStatus>();
        services.AddSingleton(_ => PrometheusTextExporter.ForMeters(BrokerMetrics.MeterName, "System.Runtime"));
        services.AddSingleton<AdminEndpoints>();
        services.AddHostedService<BrokerLifetimeService>();
        services.AddHostedService<SysTopicPublisher>();
    }

    private static void ConfigurePipeline(WebApplication app, BrokerOptions options)
    {
        // Both HTTP listeners share one pipeline; the local port decides which one a request reached, so
        // /metrics is never served on the public WebSocket port and /mqtt never on the admin port.
        if (options.WebSocketPort > 0)
        {
            int webSocketPort = options.WebSocketPort;
            ILogger logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(MqttWebSocketEndpoint).FullName!);
            app.MapWhen(context => context.Connection.LocalPort == webSocketPort, branch =>
            {
                branch.UseWebSockets();

                // Resolved per request, not here: the engine (and the store behind it) is created during start-up,
                // where a store that refuses to open is reported as such.
                branch.Run(context => MqttWebSocketEndpoint.HandleAsync(context, context.RequestServices.GetRequiredService<MqttBroker>(), logger));
            });
        }

        if (options.AdminPort > 0)
        {
            int adminPort = options.AdminPort;
            app.MapWhen(context => context.Connection.LocalPort == adminPort, branch =>
                branch.Run(context => context.RequestServices.GetRequiredService<AdminEndpoints>().HandleAsync(context)));
        }

        app.Run(context =>
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return Task.CompletedTask;
        });
    }

    private static async Task<int> RunAppAsync(WebApplication app, TlsListenerSettings? tls, TextWriter error)
    {
        ILogger logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(BrokerProgram).FullName!);
        try
        {
            // Created before the first connection: counters only count what happens while a listener listens.
            app.Services.GetRequiredService<PrometheusTextExporter>();
            if (tls?.DevelopmentCertificatePath is { } developmentPath)
            {
                if (tls.DevelopmentCertificateCreated)
                {
                    logger.DevelopmentCertificateCreated(developmentPath, tls.ServerCertificate.Thumbprint);
                }

                logger.DevelopmentCertificateInUse(developmentPath, tls.ServerCertificate.NotAfter.ToUniversalTime());
            }

            await app.StartAsync().ConfigureAwait(false);
        }
#pragma warning disable CA1031 // Every start-up failure becomes a message and an exit code, never a stack trace and 134.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            (int code, string message) = Classify(ex);
            if (logger.IsEnabled(LogLevel.Critical))
            {
                switch (code)
                {
                    case BrokerExitCodes.StorageRefused:
                        logger.StorageRefusedToOpen(Find<BrokerStoreException>(ex)!.Message);
                        break;
                    case BrokerExitCodes.ListenFailed:
                        logger.ListenFailed(ex.Message);
                        break;
                    default:
                        logger.StartupFailed(ex.Message, ex);
                        break;
                }
            }

            await StopAfterFailedStartAsync(app).ConfigureAwait(false);

            // After disposal, so the log lines above are flushed before this last one.
            await app.DisposeAsync().ConfigureAwait(false);
            tls?.Dispose();
            error.WriteLine($"{ProgramName}: {message.ReplaceLineEndings(" ")}");
            return code;
        }

        await app.WaitForShutdownAsync().ConfigureAwait(false);
        bool timedOut = app.Services.GetRequiredService<BrokerStatus>().StopTimedOut;
        await app.DisposeAsync().ConfigureAwait(false);
        tls?.Dispose();
        return timedOut ? BrokerExitCodes.Failure : BrokerExitCodes.Ok;
    }

    /// <summary>The exit code and the stderr line for a start-up failure.</summary>
    private static (int Code, string Message) Classify(Exception exception)
    {
        if (Find<BrokerStoreException>(exception) is { } storeError)
        {
            return (BrokerExitCodes.StorageRefused, $"storage refused to open: {storeError.Message}");
        }

        if (Find<AddressInUseException>(exception) is not null || Find<SocketException>(exception) is not null)
        {
            return (BrokerExitCodes.ListenFailed, $"cannot listen: {exception.Message}");
        }

        return (BrokerExitCodes.Failure, $"failed to start: {exception.Message}");
    }

    private static async Task StopAfterFailedStartAsync(WebApplication app)
    {
        // Releases whatever did start (a bound listener, the engine if the failure came after it); bounded.
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try
        {
            await app.StopAsync(timeout.Token).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // Best effort on the way out; the original failure is what gets reported.
        catch (Exception)
#pragma warning restore CA1031
        {
        }
    }

    private static T? Find<T>(Exception exception)
        where T : Exception
    {
        for (Exception? current = exception; current is not null; current = current.InnerException)
        {
            if (current is T match)
            {
                return match;
            }

            if (current is AggregateException aggregate)
            {
                foreach (Exception inner in aggregate.InnerExceptions)
                {
                    if (Find<T>(inner) is { } nested)
                    {
                        return nested;
                    }
                }
            }
        }

        return null;
    }

    private static string EnvironmentName() =>
        Environment.GetEnvironmentVariable("DOTNET_ENVIRONMENT")
        ?? Environment.GetEnvironmentVariable("ASPNETCORE_ENVIRONMENT")
        ?? Environments.Production;

    private static int Fail(TextWriter error, string message)
    {
        error.WriteLine($"{ProgramName}: {message}");
        return BrokerExitCodes.BadConfiguration;
    }
}
