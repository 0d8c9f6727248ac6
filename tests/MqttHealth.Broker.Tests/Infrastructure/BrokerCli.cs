using System.Diagnostics;
using MqttHealth.Broker.Testing;

namespace MqttHealth.Broker.Tests.Infrastructure;

/// <summary>The broker's tool verbs (<c>users</c>, <c>audit</c>, ...) run as the real executable, as an operator would.</summary>
internal static class BrokerCli
{
    private static readonly TimeSpan ExitTimeout = TimeSpan.FromSeconds(30);

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
