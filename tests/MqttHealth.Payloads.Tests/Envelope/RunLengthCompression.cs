using MqttHealth.Payloads.Envelope;

namespace MqttHealth.Payloads.Tests.Envelope;

/// <summary>
/// A stand-in for the zstd dictionary codec: run-length pairs (count 1..255, byte). Shrinks repetitive input, so the
/// envelope's compressed path runs without zstd; its output is exact and simple enough to write into test vectors.
/// </summary>
internal sealed class RunLengthCompression(byte dictionaryId) : IEnvelopeCompression
{
    public byte DictionaryId { get; } = dictionaryId;

    public int Compress(ReadOnlySpan<byte> source, Span<byte> destination)
    {
        var n = 0;
        for (var i = 0; i < source.Length;)
        {
            var run = 1;
            while (i + run < source.Length && run < 255 && source[i + run] == source[i])
            {
                run++;
            }

            if (n + 2 > destination.Length)
            {
                return -1;
            }

            destination[n++] = (byte)run;
            destination[n++] = source[i];
            i += run;
        }

        return n;
    }

    public int Decompress(ReadOnlySpan<byte> source, Span<byte> destination)
    {
        if (source.Length % 2 != 0)
        {
            throw new InvalidDataException("A run-length body has an even length.");
        }

        var n = 0;
        for (var i = 0; i < source.Length; i += 2)
        {
            int run = source[i];
            if (run == 0 || n + run > destination.Length)
            {
                throw new InvalidDataException("A run of zero, or the output would exceed the destination.");
            }

            destination.Slice(n, run).Fill(source[i + 1]);
            n += run;
        }

        return n;
    }
}
