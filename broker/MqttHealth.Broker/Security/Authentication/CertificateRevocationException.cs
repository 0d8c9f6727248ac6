namespace MqttHealth.Broker.Security.Authentication;

/// <summary>The client CRL file cannot be read or one of its CRLs cannot be used. The message is one line and names the file.</summary>
public sealed class CertificateRevocationException : Exception
{
    public CertificateRevocationException()
    {
    }

    public CertificateRevocationException(string message)
        : base(message)
    {
    }

    public CertificateRevocationException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
