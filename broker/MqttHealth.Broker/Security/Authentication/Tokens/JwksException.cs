namespace MqttHealth.Broker.Security.Authentication.Tokens;

/// <summary>The JWKS file cannot be read or holds no usable key. The message is one line and names the file.</summary>
public sealed class JwksException : Exception
{
    public JwksException()
    {
    }

    public JwksException(string message)
        : base(message)
    {
    }

    public JwksException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
