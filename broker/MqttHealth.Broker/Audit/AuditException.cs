namespace MqttHealth.Broker.Audit;

/// <summary>The audit trail cannot be opened or read; the message names the file and the reason.</summary>
public class AuditException : Exception
{
    public AuditException()
    {
    }

    public AuditException(string message)
        : base(message)
    {
    }

    public AuditException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
