namespace MqttHealth.Payloads.Compression;

/// <summary>A header names a dictionary id the registry does not hold.</summary>
public sealed class UnknownDictionaryException : Exception
{
    public UnknownDictionaryException()
    {
    }

    public UnknownDictionaryException(string message)
        : base(message)
    {
    }

    public UnknownDictionaryException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public UnknownDictionaryException(byte id)
        : base($"Dictionary id {id} is not known to this registry; the message cannot be decompressed.")
    {
        DictionaryId = id;
    }

    /// <summary>The id that was asked for.</summary>
    public byte DictionaryId { get; }
}
