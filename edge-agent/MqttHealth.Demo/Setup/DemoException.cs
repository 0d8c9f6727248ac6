namespace MqttHealth.Demo.Setup;

/// <summary>A problem the demo reports in one line and stops for (exit code 2 for usage, 1 otherwise).</summary>
public sealed class DemoException : Exception
{
    public DemoException()
    {
    }

    public DemoException(string message)
        : base(message)
    {
    }

    public DemoException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
