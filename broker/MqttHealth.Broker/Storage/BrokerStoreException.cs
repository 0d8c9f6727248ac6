namespace MqttHealth.Broker.Storage;

/// <summary>The broker's database cannot be used; the message says what is wrong and how to recover.</summary>
public sealed class BrokerStoreException : Exception
{
    public BrokerStoreException()
    {
    }

    public BrokerStoreException(string message)
        : base(message)
    {
    }

    public BrokerStoreException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
