using System.ComponentModel;
using System.Globalization;
using System.Runtime.InteropServices;

namespace MqttHealth.Bench.Load.Idle;

/// <summary>
/// RLIMIT_NOFILE, the number of file descriptors a process may hold: one per TCP connection on each side, so it
/// bounds how many idle connections a measurement can open. Linux only.
/// </summary>
/// <remarks>
/// A process may raise its soft limit up to its hard limit; raising the hard limit needs CAP_SYS_RESOURCE. Children
/// inherit both, so <see cref="RaiseSoftToHard"/> must run before the brokers start: Mosquitto does not raise its
/// own limit, and the .NET runtime of our broker raises its soft limit to the (inherited) hard one itself.
/// </remarks>
internal static partial class FileDescriptorLimit
{
    private const int ResourceOpenFiles = 7; // RLIMIT_NOFILE on Linux (x64 and arm64)

    /// <summary>This process's hard limit (<c>ulimit -Hn</c>): the most any process started from it can hold.</summary>
    public static long Hard => ToLong(Get().Max);

    /// <summary>This process's soft limit (<c>ulimit -Sn</c>): what it, and a child started now, can hold.</summary>
    public static long Soft => ToLong(Get().Current);

    /// <summary>Raises this process's soft limit to its hard limit (a no-op when they are equal).</summary>
    /// <exception cref="Win32Exception">getrlimit or setrlimit failed.</exception>
    public static void RaiseSoftToHard()
    {
        ResourceLimit limit = Get();
        if (limit.Current >= limit.Max)
        {
            return;
        }

        limit.Current = limit.Max;
        if (SetResourceLimit(ResourceOpenFiles, in limit) != 0)
        {
            throw new Win32Exception(Marshal.GetLastPInvokeError(), $"setrlimit(RLIMIT_NOFILE, {ToLong(limit.Max)}) failed");
        }
    }

    /// <summary>How many descriptors process <paramref name="processId"/> has open now (entries of <c>/proc/PID/fd</c>).</summary>
    public static int OpenCount(int processId) =>
        Directory.EnumerateFileSystemEntries($"/proc/{processId}/fd").Count();

    /// <summary>The soft open-files limit of process <paramref name="processId"/>, from <c>/proc/PID/limits</c>; <see cref="long.MaxValue"/> when unlimited.</summary>
    public static long SoftLimitOf(int processId)
    {
        // "Max open files            20000                20000                files"
        foreach (string line in File.ReadLines($"/proc/{processId}/limits"))
        {
            if (line.StartsWith("Max open files", StringComparison.Ordinal))
            {
                string soft = line["Max open files".Length..].TrimStart().Split(' ', 2)[0];
                return soft == "unlimited" ? long.MaxValue : long.Parse(soft, CultureInfo.InvariantCulture);
            }
        }

        throw new InvalidOperationException($"/proc/{processId}/limits has no 'Max open files' line.");
    }

    /// <summary>RLIM_INFINITY (all ones) as <see cref="long.MaxValue"/>.</summary>
    private static long ToLong(ulong value) => value > long.MaxValue ? long.MaxValue : (long)value;

    private static ResourceLimit Get()
    {
        if (GetResourceLimit(ResourceOpenFiles, out ResourceLimit limit) != 0)
        {
            throw new Win32Exception(Marshal.GetLastPInvokeError(), "getrlimit(RLIMIT_NOFILE) failed");
        }

        return limit;
    }

    [LibraryImport("libc", EntryPoint = "getrlimit", SetLastError = true)]
    private static partial int GetResourceLimit(int resource, out ResourceLimit limit);

    [LibraryImport("libc", EntryPoint = "setrlimit", SetLastError = true)]
    private static partial int SetResourceLimit(int resource, in ResourceLimit limit);

    /// <summary>struct rlimit: two rlim_t (unsigned long, 64-bit on the platforms .NET runs on).</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct ResourceLimit
    {
        public ulong Current;
        public ulong Max;
    }
}
