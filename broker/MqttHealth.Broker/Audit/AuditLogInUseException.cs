namespace MqttHealth.Broker.Audit;

/// <summary>Another process (normally the running broker) holds the audit trail's writer lock.</summary>
public sealed class AuditLogInUseException : AuditException
{
    public AuditLogInUseException()
    {
    }

    public AuditLogInUseException(string message)
        : base(message)
    {
    }

    public AuditLogInUseException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
