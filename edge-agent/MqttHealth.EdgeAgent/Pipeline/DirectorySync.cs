using System.ComponentModel;
using System.Runtime.InteropServices;

namespace MqttHealth.EdgeAgent.Pipeline;

/// <summary>
/// fsync(2) of a directory. The SDK replaces a sender's state file by rename after flushing the new file; the rename
/// itself is durable only once the directory is synced. The agent syncs the senders' directory after each seal and
/// before the envelope is committed to the outbox, so that even a power loss (not only kill -9) cannot bring back an
/// older state file and with it an already used sequence (a nonce reuse).
/// </summary>
internal static partial class DirectorySync
{
    public static void Sync(string directory)
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS())
        {
            return;
        }

        int fd = NativeMethods.open(directory, 0); // O_RDONLY: a directory opens read-only on Linux and macOS
        if (fd < 0)
        {
            throw new IOException($"cannot open {directory} to sync it", new Win32Exception(Marshal.GetLastPInvokeError()));
        }

        try
        {
            if (NativeMethods.fsync(fd) != 0)
            {
                throw new IOException($"fsync of {directory} failed", new Win32Exception(Marshal.GetLastPInvokeError()));
            }
        }
        finally
        {
            _ = NativeMethods.close(fd);
        }
    }

    private static partial class NativeMethods
    {
        [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
        internal static partial int open(string path, int flags);

        [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
        internal static partial int fsync(int fd);

        [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
        internal static partial int close(int fd);
    }
}
