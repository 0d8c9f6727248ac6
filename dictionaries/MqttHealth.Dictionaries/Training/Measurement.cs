using MqttHealth.Corpus;
using MqttHealth.Payloads.Compression;

namespace MqttHealth.Dictionaries.Training;

/// <summary>Compresses every message of a corpus one by one, as the envelope does, and sums the frames per kind.</summary>
internal static unsafe class Measurement
{
    public static KindMeasurement[] WithDictionary(byte[] dictionary, int level, bool contentSize, IReadOnlyList<CorpusMessage> messages)
    {
        var manifest = new ZstdDictionaryManifest(1, "candidate", "candidate.dict", new string('0', 64), dictionary.Length, level, contentSize);
        using var loaded = ZstdDictionary.CreateUnchecked(manifest, dictionary);
        using var codec = new ZstdDictionaryCodec(loaded, contentSize);
        return Measure(messages, (source, destination) =>
        {
            var written = codec.Compress(source, destination);
            // Round trip every frame: a measurement of frames that do not decode would be worthless.
            Span<byte> check = stackalloc byte[source.Length];
            if (codec.Decompress(destination[..written], check) != source.Length || !check.SequenceEqual(source))
            {
                throw new InvalidOperationException("A measured frame did not round-trip.");
            }
            return written;
        });
    }

    /// <summary>Plain zstd at <paramref name="level"/> in the same magicless frame, without a dictionary: the baseline.</summary>
    public static KindMeasurement[] WithoutDictionary(int level, IReadOnlyList<CorpusMessage> messages)
    {
        using var cctx = ZstdNative.CreateCCtx();
        ZstdNative.Check(ZstdNative.CCtxSetParameter(cctx, ZstdNative.CParamFormat, ZstdNative.FormatMagicless), "setup");
        ZstdNative.Check(ZstdNative.CCtxSetParameter(cctx, ZstdNative.CParamCompressionLevel, level), "setup");
        ZstdNative.Check(ZstdNative.CCtxSetParameter(cctx, ZstdNative.CParamDictIdFlag, 0), "setup");
        return Measure(messages, (source, destination) =>
        {
            fixed (byte* s = source)
            fixed (byte* d = destination)
            {
                return (int)ZstdNative.Check(ZstdNative.Compress2(cctx, d, (nuint)destination.Length, s, (nuint)source.Length), "compress");
            }
        });
    }

    private delegate int Compressor(ReadOnlySpan<byte> source, Span<byte> destination);

    private static KindMeasurement[] Measure(IReadOnlyList<CorpusMessage> messages, Compressor compress)
    {
        var kinds = Enum.GetValues<MessageKind>();
        var count = new int[kinds.Length];
        var raw = new long[kinds.Length];
        var compressed = new long[kinds.Length];
        var bestOf = new long[kinds.Length];
        var smaller = new int[kinds.Length];
        var buffer = new byte[1 << 20];
        foreach (var message in messages)
        {
            var k = (int)message.Kind;
            count[k]++;
            raw[k] += message.Bytes.Length;
            var frame = compress(message.Bytes, buffer);
            compressed[k] += frame;
            bestOf[k] += Math.Min(frame, message.Bytes.Length);
            smaller[k] += frame < message.Bytes.Length ? 1 : 0;
        }
        return kinds.Select(kind => new KindMeasurement(kind, count[(int)kind], raw[(int)kind], compressed[(int)kind], bestOf[(int)kind], smaller[(int)kind])).ToArray();
    }
}
