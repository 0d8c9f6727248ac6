using System.Globalization;
using MqttHealth.EdgeAgent.Tests.Infrastructure;

namespace MqttHealth.EdgeAgent.Tests;

/// <summary>The README's one command: broker, three simulated monitors with their agents, an integrator printing readings; Ctrl+C stops all.</summary>
public sealed class DemoTests
{
    private static readonly TimeSpan Startup = TimeSpan.FromSeconds(120);

    [Fact]
    public async Task Demo_OneCommand_PrintsDecryptedReadingsOfAllThreeMonitors_SigintStopsEverythingCleanly_RerunReusesTheData()
    {
        string directory = Path.Combine(Directory.CreateTempSubdirectory("demo-").FullName, "demo-data");
        try
        {
            await RunOnceAsync(directory, "Creating the demo data");
            Assert.True(File.Exists(Path.Combine(directory, "broker", "users.json")));
            Assert.True(OperatingSystem.IsLinux() && File.GetUnixFileMode(Path.Combine(directory, "devices", "mon-1.pass")) == (UnixFileMode.UserRead | UnixFileMode.UserWrite));

            await RunOnceAsync(directory, "Reusing the demo data");
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(directory)!, recursive: true);
        }
    }

    private static async Task RunOnceAsync(string directory, string setupLine)
    {
        await using AgentProcess demo = AgentProcess.Launch(["--data", directory], assembly: "mqtthealth-demo.dll");
        foreach (string device in new[] { "mon-1", "mon-2", "mon-3" })
        {
            // One line per decrypted sample set: time, device, patient, vitals with units.
            await demo.Output.WaitForLineAsync(l => l.Contains($"  {device}  patient ", StringComparison.Ordinal) && l.Contains("heart_rate", StringComparison.Ordinal) && l.Contains("/min", StringComparison.Ordinal), Startup);
        }

        Assert.Contains(demo.Log.Lines, l => l.StartsWith(setupLine, StringComparison.Ordinal));
        int[] children = Children(demo.Id);
        Assert.Equal(4, children.Length); // the broker and three agents

        demo.Interrupt();

        Assert.Equal(0, await demo.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        Assert.Contains("Stopped.", demo.Log.Lines);
        Assert.All(children, pid => Assert.False(Directory.Exists($"/proc/{pid}") && !IsZombie(pid), $"process {pid} outlived the demo"));
    }

    /// <summary>The processes whose parent is <paramref name="parent"/> (from /proc).</summary>
    private static int[] Children(int parent) =>
        [.. Directory.EnumerateDirectories("/proc")
            .Select(Path.GetFileName)
            .Where(name => int.TryParse(name, NumberStyles.None, CultureInfo.InvariantCulture, out _))
            .Select(name => int.Parse(name!, CultureInfo.InvariantCulture))
            .Where(pid => Stat(pid) is { } stat && int.Parse(stat[3], CultureInfo.InvariantCulture) == parent)];

    private static bool IsZombie(int pid) => Stat(pid) is { } stat && stat[2] == "Z";

    /// <summary>/proc/PID/stat split after the command name (which may hold spaces): [pid, comm, state, ppid, ...].</summary>
    private static string[]? Stat(int pid)
    {
        try
        {
            string text = File.ReadAllText($"/proc/{pid}/stat");
            int close = text.LastIndexOf(')');
            return [text[..text.IndexOf(' ', StringComparison.Ordinal)], text[(text.IndexOf('(', StringComparison.Ordinal) + 1)..close], .. text[(close + 2)..].Split(' ')];
        }
        catch (IOException)
        {
            return null;
        }
    }
}
