using System.Diagnostics;
using System.Reflection;

namespace MqttHealth.Broker.Interop.Tests.Infrastructure;

/// <summary>
/// Finds the third-party clients. A missing tool is a test failure whose message says how to install it
/// (<c>bash .ci/run</c> does), never a skip: an interop suite that silently skips proves nothing.
/// </summary>
public static class InteropTools
{
    public const string InstallHint =
        "Run 'bash .ci/run' once: it installs mosquitto-clients, python3-paho-mqtt, nodejs/npm and runs " +
        "'npm ci --prefix tests/MqttHealth.Broker.Interop.Tests/js'.";

    private static readonly Lazy<string> PythonExecutable = new(FindPythonWithPaho);
    private static readonly Lazy<string> NodeExecutable = new(FindNodeWithMqttJs);

    /// <summary>
    /// This project's source directory (python/ and js/ live there, and npm ci puts js/node_modules there),
    /// recorded by the csproj at build time because the test output may be anywhere (--artifacts-path).
    /// </summary>
    public static string ProjectDirectory { get; } =
        typeof(InteropTools).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .SingleOrDefault(a => a.Key == "InteropProjectDirectory")?.Value
        ?? throw new InvalidOperationException("The test assembly lacks its InteropProjectDirectory metadata (see the csproj).");

    public static string PythonDirectory => Path.Combine(ProjectDirectory, "python");

    public static string JsDirectory => Path.Combine(ProjectDirectory, "js");

    public static string MosquittoPub => FindOnPath("mosquitto_pub", "mosquitto-clients");

    public static string MosquittoSub => FindOnPath("mosquitto_sub", "mosquitto-clients");

    /// <summary>coreutils' stdbuf, to line-buffer mosquitto_sub's stdout.</summary>
    public static string Stdbuf => FindOnPath("stdbuf", "coreutils");

    /// <summary>A python3 that can import paho.mqtt (Debian's /usr/bin/python3 first: the package installs there).</summary>
    public static string Python => PythonExecutable.Value;

    /// <summary>node, with js/node_modules/mqtt installed.</summary>
    public static string Node => NodeExecutable.Value;

    private static string FindPythonWithPaho()
    {
        var tried = new List<string>();
        foreach (string candidate in new[] { "/usr/bin/python3", "python3" }.Distinct())
        {
            string? path = candidate.Contains('/', StringComparison.Ordinal) ? (File.Exists(candidate) ? candidate : null) : TryFindOnPath(candidate);
            if (path is null)
            {
                tried.Add(candidate + ": not found");
                continue;
            }

            (int exitCode, string output) = Probe(path, ["-c", "import paho.mqtt; print(paho.mqtt.__version__)"], null);
            if (exitCode == 0)
            {
                return path;
            }

            tried.Add($"{path}: cannot import paho.mqtt ({output.Trim()})");
        }

        throw new InvalidOperationException(
            "The Paho interop tests need python3 with Eclipse Paho (Debian package python3-paho-mqtt 1.6.1). " +
            string.Join("; ", tried) + ". " + InstallHint);
    }

    private static string FindNodeWithMqttJs()
    {
        string node = TryFindOnPath("node") ?? TryFindOnPath("nodejs") ?? throw new InvalidOperationException(
            "The MQTT.js interop tests need Node.js (Debian packages nodejs and npm), and 'node' is not on PATH. " + InstallHint);
        if (!File.Exists(Path.Combine(JsDirectory, "node_modules", "mqtt", "package.json")))
        {
            throw new InvalidOperationException(
                $"The MQTT.js interop tests need the npm package mqtt in {JsDirectory}/node_modules, which is missing. " + InstallHint);
        }

        (int exitCode, string output) = Probe(node, ["-e", "console.log(require('mqtt/package.json').version)"], JsDirectory);
        if (exitCode != 0)
        {
            throw new InvalidOperationException($"'{node}' cannot load MQTT.js from {JsDirectory}: {output.Trim()}. {InstallHint}");
        }

        return node;
    }

    private static string FindOnPath(string name, string package) =>
        TryFindOnPath(name) ?? throw new InvalidOperationException(
            $"The interop tests need '{name}' (Debian package {package}), and it is not on PATH. {InstallHint}");

    private static string? TryFindOnPath(string name)
    {
        foreach (string directory in (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            string candidate = Path.Combine(directory, name);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    private static (int ExitCode, string Output) Probe(string fileName, string[] arguments, string? workingDirectory)
    {
        var startInfo = new ProcessStartInfo(fileName, arguments)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        using var process = Process.Start(startInfo) ?? throw new InvalidOperationException($"Could not start {fileName}.");
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromSeconds(20)))
        {
            process.Kill();
            return (-1, $"{fileName} did not answer within 20 s");
        }

        return (process.ExitCode, stdout.GetAwaiter().GetResult() + stderr.GetAwaiter().GetResult());
    }
}
