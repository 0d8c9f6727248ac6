namespace MqttHealth.Broker.Tests.Hosting;

/// <summary>A fresh temporary directory for configuration files, certificates and data; deleted on dispose.</summary>
internal sealed class HostingTempDirectory : IDisposable
{
    public HostingTempDirectory()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "mh-hosting-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public string Write(string name, string contents)
    {
        string path = File(name);
        System.IO.File.WriteAllText(path, contents);
        return path;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
