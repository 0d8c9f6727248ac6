namespace MqttHealth.Broker.Security.Authentication;

/// <summary>The users file cannot be read or is not valid. The message is one line and names the file.</summary>
public sealed class UserStoreException : Exception
{
    public UserStoreException()
    {
    }

    public UserStoreException(string message)
        : base(message)
    {
    }

    public UserStoreException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
