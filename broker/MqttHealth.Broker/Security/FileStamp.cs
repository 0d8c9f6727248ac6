namespace MqttHealth.Broker.Security;

/// <summary>A file's last-write time and length, or "absent", to notice a change without reading it.</summary>
internal readonly record struct FileStamp(DateTime LastWriteUtc, long Length, bool Exists)
{
    public static FileStamp Of(string path)
    {
        var info = new FileInfo(path);
        return info.Exists ? new FileStamp(info.LastWriteTimeUtc, info.Length, true) : default;
    }
}
