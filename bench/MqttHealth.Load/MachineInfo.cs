using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using MqttHealth.Bench.Load.Brokers;

namespace MqttHealth.Bench.Load;

/// <summary>What the comparison ran on, read off the machine at the start of the run (for the report's first lines).</summary>
internal sealed record MachineInfo(
    DateTimeOffset Started,
    string OperatingSystem,
    string Kernel,
    string Cpu,
    int Cores,
    long MemoryBytes,
    string Runtime,
    string? MosquittoVersion,
    string Commit,
    string TempFileSystem,
    string LoadAverageAtStart)
{
    public string Summary => string.Create(
        CultureInfo.InvariantCulture,
        $"{OperatingSystem}, kernel {Kernel}; {Cpu}, {Cores} cores, {MemoryBytes / (1024.0 * 1024 * 1024):0.#} GiB; {Runtime}; Mosquitto {MosquittoVersion ?? "not run"}; commit {Commit}; broker data in {TempFileSystem}; load average {LoadAverageAtStart}");

    public static async Task<MachineInfo> CollectAsync(bool withMosquitto, CancellationToken cancellationToken)
    {
        string? mosquitto = withMosquitto ? await MosquittoUnderTest.ReadVersionAsync(cancellationToken).ConfigureAwait(false) : null;
        return new MachineInfo(
            DateTimeOffset.UtcNow,
            ReadKeyValue("/etc/os-release", "PRETTY_NAME") ?? RuntimeInformation.OSDescription,
            ReadFirstLine("/proc/sys/kernel/osrelease") ?? "?",
            ReadCpuModel(),
            Environment.ProcessorCount,
            ReadMemTotal(),
            $"{RuntimeInformation.FrameworkDescription} {RuntimeInformation.ProcessArchitecture}",
            mosquitto,
            await ReadCommitAsync(cancellationToken).ConfigureAwait(false),
            await ReadFileSystemAsync(Path.GetTempPath(), cancellationToken).ConfigureAwait(false),
            LoadAverage());
    }

    /// <summary>The 1, 5 and 15-minute load averages from /proc/loadavg.</summary>
    public static string LoadAverage()
    {
        string? line = ReadFirstLine("/proc/loadavg");
        return line is null ? "?" : string.Join(' ', line.Split(' ').Take(3));
    }

    private static string ReadCpuModel()
    {
        string? model = null;
        if (File.Exists("/proc/cpuinfo"))
        {
            model = File.ReadLines("/proc/cpuinfo")
                .Where(l => l.StartsWith("model name", StringComparison.Ordinal))
                .Select(l => l[(l.IndexOf(':') + 1)..].Trim())
                .FirstOrDefault();
        }

        return model ?? RuntimeInformation.ProcessArchitecture.ToString();
    }

    private static long ReadMemTotal()
    {
        string? line = File.Exists("/proc/meminfo") ? File.ReadLines("/proc/meminfo").FirstOrDefault(l => l.StartsWith("MemTotal:", StringComparison.Ordinal)) : null;
        if (line is null)
        {
            return 0;
        }

        string digits = new(line.Where(char.IsAsciiDigit).ToArray());
        return long.Parse(digits, CultureInfo.InvariantCulture) * 1024;
    }

    private static string? ReadKeyValue(string path, string key)
    {
        if (!File.Exists(path))
        {
            return null;
        }

        string? line = File.ReadLines(path).FirstOrDefault(l => l.StartsWith(key + "=", StringComparison.Ordinal));
        return line?[(key.Length + 1)..].Trim('"');
    }

    private static string? ReadFirstLine(string path) => File.Exists(path) ? File.ReadLines(path).FirstOrDefault()?.Trim() : null;

    private static async Task<string> ReadCommitAsync(CancellationToken cancellationToken)
    {
        string? commit = await RunAsync("git", ["rev-parse", "--short=12", "HEAD"], cancellationToken).ConfigureAwait(false);
        if (commit is null)
        {
            return "(not a git checkout)";
        }

        string? status = await RunAsync("git", ["status", "--porcelain", "--untracked-files=no"], cancellationToken).ConfigureAwait(false);
        return string.IsNullOrWhiteSpace(status) ? commit : commit + " with uncommitted changes";
    }

    private static async Task<string> ReadFileSystemAsync(string path, CancellationToken cancellationToken)
    {
        // "Type" and "Filesystem" of the directory the brokers' data directories are created in.
        string? output = await RunAsync("df", ["--output=fstype,source", path], cancellationToken).ConfigureAwait(false);
        string? line = output?.Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1).FirstOrDefault();
        return line is null ? path : $"{path} ({string.Join(" on ", line.Split(' ', StringSplitOptions.RemoveEmptyEntries))})";
    }

    private static async Task<string?> RunAsync(string file, string[] arguments, CancellationToken cancellationToken)
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo(file, arguments)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
                WorkingDirectory = Report.ResultsFile.RepositoryRoot() ?? Environment.CurrentDirectory,
            });
            if (process is null)
            {
                return null;
            }

            Task<string> stderr = process.StandardError.ReadToEndAsync(cancellationToken);
            string output = await process.StandardOutput.ReadToEndAsync(cancellationToken).ConfigureAwait(false);
            await stderr.ConfigureAwait(false);
            await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
            return process.ExitCode == 0 ? output.Trim() : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null; // the tool is not installed
        }
    }
}
