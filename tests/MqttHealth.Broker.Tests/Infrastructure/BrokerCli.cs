using System.Diagnostics;
using MqttHealth.Broker.Testing;

namespace MqttHealth.Broker.Tests.Infrastructure;

/// <summary>The broker's tool verbs (<c>users</c>, <c>audit</c>, ...) run as the real executable, as an operator would.</summary>
internal static class BrokerCli
{
    /// <summary>PBKDF2 iterations for tests: the default 600,000 would cost ~100 ms per CONNECT.</summary>
    public static readonly string[] LowIterations = ["--Broker:Security:PasswordIterations", "1000"];

    private static readonly TimeSpan ExitTimeout = TimeSpan.FromSeconds(30);

    /// <summary>
    /// The real broker without anonymous access (in-memory storage, TCP only, low PBKDF2 iterations), with one password
    /// user added by <c>users add</c> before it starts, and whatever <paramref name="prepare"/> puts in the data directory.
    /// </summary>
    public static Task<BrokerProcess> StartWithUserAsync(string user, string password, string role, Action<string>? prepare = null) =>
        BrokerProcess.StartAsync(new BrokerProcessOptions
        {
            AllowAnonymous = false,
            InMemoryStorage = true,
            TlsAndWebSocket = false,
            ExtraArguments = LowIterations,
            PrepareDataDirectory = dir =>
            {
                (int code, string output) = Run(password + "\n", ["users", "add", user, "--role", role, "--password-stdin", "--data", dir, .. LowIterations]);
                if (code != 0)
                {
                    throw new InvalidOperationException($"users add exited with {code}: {output}");
                }

                prepare?.Invoke(dir);
            },
        });

    /// <summary>
    /// Runs <c>dotnet mqtthealth-broker.dll ARGS</c> with <paramref name="stdin"/> to completion and returns its exit code
    /// and stdout followed by stderr. Synchronous, so it can run inside <see cref="BrokerProcessOptions.PrepareDataDirectory"/>.
    /// </summary>
    public static (int ExitCode, string Output) Run(string stdin, string[] args)
    {
        string host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } path && File.Exists(path) ? path : "dotnet";
        var startInfo = new ProcessStartInfo(host, [BrokerProcess.BrokerAssemblyPath, .. args])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        using var process = Process.Start(startInfo)!;
        process.StandardInput.Write(stdin);
        process.StandardInput.Close();
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(ExitTimeout))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"mqtthealth-broker {string.Join(' ', args)} did not exit within {ExitTimeout.TotalSeconds} s");
        }

        return (process.ExitCode, stdout.GetAwaiter().GetResult() + stderr.GetAwaiter().GetResult());
    }
}
