namespace MqttHealth.Payloads.Envelope;

/// <summary>
/// The cleartext header of a sealed envelope (docs/envelope.md): one byte of version/suite/flags, the key epoch and the
/// sequence number as minimal LEB128 varints, then the dictionary id byte when the compression bits are 11.
/// </summary>
/// <remarks>
/// First byte: bits 7-6 version (01), bits 5-4 suite (00 AES-256-GCM, 01 ChaCha20-Poly1305), bits 3-2 compression
/// (00 none, 01 dictionary 1, 10 dictionary 2, 11 a dictionary id byte 3..255 follows the sequence), bit 1 padded,
/// bit 0 signed. Dictionaries 1 and 2 live in the flags so that a compressed message's overhead stays at 20 bytes.
/// </remarks>
public readonly record struct EnvelopeHeader(
    EnvelopeSuite Suite,
    uint Epoch,
    uint Sequence,
    byte DictionaryId,
    bool Padded,
    bool Signed)
{
    /// <summary>The header's version (bits 7-6 of the first byte).</summary>
    public const int Version = 1;

    /// <summary>The longest header: 1 + 5 + 5 + 1 bytes.</summary>
    public const int MaxLength = 1 + Varint.MaxLength + Varint.MaxLength + 1;

    private const byte CompressionIdFollows = 3;

    /// <summary>True when the body is compressed (dictionary id 1..255).</summary>
    public bool Compressed => DictionaryId != 0;

    /// <summary>The encoded length in bytes.</summary>
    public int Length => 1 + Varint.Length(Epoch) + Varint.Length(Sequence) + (DictionaryId >= CompressionIdFollows ? 1 : 0);

    /// <summary>Writes the header; returns the bytes written.</summary>
    public int Write(Span<byte> destination)
    {
        var compression = DictionaryId >= CompressionIdFollows ? CompressionIdFollows : DictionaryId;
        destination[0] = (byte)((Version << 6) | ((byte)Suite << 4) | (compression << 2) | (Padded ? 2 : 0) | (Signed ? 1 : 0));
        var n = 1;
        n += Varint.Write(Epoch, destination[n..]);
        n += Varint.Write(Sequence, destination[n..]);
        if (compression == CompressionIdFollows)
        {
            destination[n++] = DictionaryId;
        }

        return n;
    }

    /// <summary>Parses a header; on failure <paramref name="error"/> says why (malformed, version, suite).</summary>
    public static bool TryRead(ReadOnlySpan<byte> source, out EnvelopeHeader header, out int length, out EnvelopeError error)
    {
        header = default;
        length = 0;
        if (source.IsEmpty)
        {
            error = EnvelopeError.Malformed;
            return false;
        }

        var first = source[0];
        if (first >> 6 != Version)
        {
            error = EnvelopeError.UnsupportedVersion;
            return false;
        }

        var suite = (first >> 4) & 3;
        if (suite > (int)EnvelopeSuite.ChaCha20Poly1305)
        {
            error = EnvelopeError.UnsupportedSuite;
            return false;
        }

        var n = 1;
        if (!Varint.TryRead(source[n..], out var epoch, out var used))
        {
            error = EnvelopeError.Malformed;
            return false;
        }

        n += used;
        if (!Varint.TryRead(source[n..], out var sequence, out used))
        {
            error = EnvelopeError.Malformed;
            return false;
        }

        n += used;
        var dictionary = (byte)((first >> 2) & 3);
        if (dictionary == CompressionIdFollows)
        {
            if (n >= source.Length || source[n] < CompressionIdFollows)
            {
                // Ids 0-2 have their own encodings; a byte holding them is not canonical.
                error = EnvelopeError.Malformed;
                return false;
            }

            dictionary = source[n++];
        }

        header = new EnvelopeHeader((EnvelopeSuite)suite, epoch, sequence, dictionary, (first & 2) != 0, (first & 1) != 0);
        length = n;
        error = EnvelopeError.None;
        return true;
    }
}
