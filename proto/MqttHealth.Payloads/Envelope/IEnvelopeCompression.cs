namespace MqttHealth.Payloads.Envelope;

/// <summary>
/// The compression the envelope applies before sealing: a dictionary identified by a one-byte id in the envelope
/// header (0 means "not compressed"). Implemented by the zstd dictionary codec; the envelope does not depend on zstd.
/// </summary>
public interface IEnvelopeCompression
{
    /// <summary>The dictionary id written into the header; 1 to 255.</summary>
    byte DictionaryId { get; }

    /// <summary>Compresses <paramref name="source"/> into <paramref name="destination"/>; returns the bytes written, or -1 when it does not fit.</summary>
    int Compress(ReadOnlySpan<byte> source, Span<byte> destination);

    /// <summary>
    /// Decompresses <paramref name="source"/> into <paramref name="destination"/>; returns the bytes written. Throws
    /// <see cref="InvalidDataException"/> when the data is not a frame of this dictionary or would exceed <paramref name="destination"/>.
    /// </summary>
    int Decompress(ReadOnlySpan<byte> source, Span<byte> destination);
}
