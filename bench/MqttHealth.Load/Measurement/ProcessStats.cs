using System.Globalization;
using System.Runtime.InteropServices;

namespace MqttHealth.Bench.Load.Measurement;

/// <summary>CPU time and memory of a process, read from Linux's /proc.</summary>
/// <param name="CpuSeconds">User plus system CPU time since the process started (<c>/proc/PID/stat</c> utime + stime).</param>
/// <param name="RssBytes">Resident set size now (<c>VmRSS</c>).</param>
/// <param name="PeakRssBytes">Peak resident set size since start or since the last <see cref="ProcessStats.ResetPeak"/> (<c>VmHWM</c>).</param>
internal readonly record struct ProcessSample(double CpuSeconds, long RssBytes, long PeakRssBytes);

/// <summary>Reads <see cref="ProcessSample"/>s; Linux only (the benchmark's brokers run there).</summary>
internal static partial class ProcessStats
{
    private const int ClockTicksName = 2; // _SC_CLK_TCK

    private static readonly double ClockTicksPerSecond = ReadClockTicks();

    public static ProcessSample Read(int processId)
    {
        string stat = File.ReadAllText($"/proc/{processId}/stat");

        // The command name (field 2) is in parentheses and may contain spaces: fields are counted after the last ')'.
        string[] fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');

        // After the name: state is field 3, so utime (field 14) is at index 11 and stime (15) at 12.
        double ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        long rss = 0, peak = 0;
        foreach (string line in File.ReadLines($"/proc/{processId}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                rss = ParseKilobytes(line);
            }
            else if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
            {
                peak = ParseKilobytes(line);
            }
        }

        return new ProcessSample(ticks / ClockTicksPerSecond, rss, peak);
    }

    /// <summary>Resets VmHWM to the current RSS (<c>echo 5 &gt; /proc/PID/clear_refs</c>, Linux 4.0 and later).</summary>
    public static void ResetPeak(int processId) => File.WriteAllText($"/proc/{processId}/clear_refs", "5");

    private static long ParseKilobytes(string line)
    {
        // "VmRSS:\t   13544 kB"
        ReadOnlySpan<char> value = line.AsSpan(line.IndexOf(':') + 1).Trim();
        int space = value.IndexOf(' ');
        return long.Parse(space < 0 ? value : value[..space], CultureInfo.InvariantCulture) * 1024;
    }

    private static double ReadClockTicks()
    {
        long ticks = SysConf(ClockTicksName);
        return ticks > 0 ? ticks : 100;
    }

    [LibraryImport("libc", EntryPoint = "sysconf")]
    private static partial long SysConf(int name);
}
