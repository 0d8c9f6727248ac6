namespace MqttHealth.Payloads.Compression;

/// <summary>A dictionary or its manifest is missing, malformed, or does not match (size, SHA-256, duplicate id).</summary>
public sealed class DictionaryIntegrityException : Exception
{
    public DictionaryIntegrityException()
    {
    }

    public DictionaryIntegrityException(string message)
        : base(message)
    {
    }

    public DictionaryIntegrityException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
