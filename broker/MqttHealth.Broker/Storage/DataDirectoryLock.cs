namespace MqttHealth.Broker.Storage;

/*
 * One process at a time per data directory. Two brokers writing one database would each believe their own
 * sessions; the recover command replacing the file under a running broker would lose everything the
 * broker writes afterwards. The lock is <data>/broker.lock opened with FileShare.None, which .NET turns
 * into an advisory flock(LOCK_EX) on Unix and a sharing violation on Windows; the OS releases it when the
 * process dies, so a killed broker never leaves a stale lock behind. The file itself stays (empty).
 */
internal sealed class DataDirectoryLock : IDisposable
{
    private readonly FileStream _file;

    private DataDirectoryLock(FileStream file) => _file = file;

    /// <summary>Takes the lock, or returns null with <paramref name="path"/> when another process holds it.</summary>
    public static DataDirectoryLock? TryAcquire(string dataDirectory, out string path)
    {
        path = Path.Combine(dataDirectory, SqliteSchema.LockFileName);
        try
        {
            return new DataDirectoryLock(new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None));
        }
        catch (IOException) when (File.Exists(path))
        {
            return null;
        }
    }

    public void Dispose() => _file.Dispose();
}
