namespace MqttHealth.Broker.Tests.Storage;

/// <summary>A fact about Unix file permissions: skipped on Windows, and when the tests run as root, which reads and writes any file regardless.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class NotRootFactAttribute : FactAttribute
{
    public NotRootFactAttribute()
    {
        if (OperatingSystem.IsWindows())
        {
            Skip = "Unix file permissions only.";
        }
        else if (Environment.UserName == "root")
        {
            Skip = "Running as root: root is not stopped by file permissions, so an unreadable file cannot be made.";
        }
    }
}
