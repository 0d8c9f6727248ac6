using Google.Protobuf;
using MqttHealth.Corpus;
using MqttHealth.Payloads.Compression;

namespace MqttHealth.Payloads.Tests.Compression;

public sealed class ZstdDictionaryCodecTests : IDisposable
{
    private readonly ZstdDictionaryRegistry _registry = ZstdDictionaryRegistry.FromEmbeddedResources();
    private readonly ZstdDictionaryCodec _codec;

    public ZstdDictionaryCodecTests() => _codec = _registry.CreateCodec(1);

    public void Dispose()
    {
        _codec.Dispose();
        _registry.Dispose();
    }

    private static List<CorpusMessage> Sample() =>
        CorpusGenerator.Generate(CorpusParameters.HeldOut with { Seed = 77, DurationSeconds = 120, BedsideMonitors = 3, GatewayDevices = 3 });

    [Fact]
    public void Codec_EveryCorpusKind_RoundTrips()
    {
        var messages = Sample();
        Assert.Equal(Enum.GetValues<MessageKind>().Length, messages.Select(m => m.Kind).Distinct().Count());
        var frame = new byte[ZstdDictionaryCodec.GetMaxCompressedLength(4096)];
        var output = new byte[4096];
        foreach (var message in messages)
        {
            var written = _codec.Compress(message.Bytes, frame);
            var read = _codec.Decompress(frame.AsSpan(0, written), output);

            Assert.Equal(message.Bytes, output.AsSpan(0, read).ToArray());
        }
    }

    [Fact]
    public void Codec_Frame_IsMagiclessWithoutDictionaryIdOrChecksum()
    {
        var message = Sample()[0].Bytes;
        var frame = new byte[256];

        var written = _codec.Compress(message, frame);

        Assert.Equal(1, _codec.DictionaryId);
        Assert.False(frame.AsSpan(0, 4).SequenceEqual(new byte[] { 0x28, 0xB5, 0x2F, 0xFD }));
        // Frame header descriptor (RFC 8878 3.1.1.1.1): bits 0-1 dictionary id size, bit 2 checksum.
        Assert.Equal(0, frame[0] & 0x07);
        Assert.True(written > 2);
    }

    [Fact]
    public void Codec_TruncatedFrame_RefusedWithClearError()
    {
        var message = Sample().First(m => m.Kind == MessageKind.GatewayBatch).Bytes;
        var frame = new byte[ZstdDictionaryCodec.GetMaxCompressedLength(message.Length)];
        var written = _codec.Compress(message, frame);
        var output = new byte[message.Length];

        for (var length = 0; length < written; length++)
        {
            var error = Assert.Throws<InvalidDataException>(() => _codec.Decompress(frame.AsSpan(0, length), output));
            Assert.True(length == 0 || error.InnerException is ZstdException, $"prefix of {length} bytes");
            Assert.StartsWith("Decompressing with dictionary 1:", error.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Codec_ReservedBlockType_RefusedAsCorrupt()
    {
        var message = Sample().First(m => m.Kind == MessageKind.GatewayBatch).Bytes;
        var frame = new byte[ZstdDictionaryCodec.GetMaxCompressedLength(message.Length)];
        var written = _codec.Compress(message, frame);
        // Content size is omitted (manifest), so the header is the descriptor plus one window byte; then the first
        // block header, whose bits 1-2 are the block type: 3 is reserved (RFC 8878 3.1.1.2).
        Assert.False(_codec.Dictionary.Manifest.ContentSize);
        Assert.Equal(0, frame[0] & 0x20); // not single-segment: a window descriptor follows
        frame[2] |= 0x06;

        var error = Assert.Throws<InvalidDataException>(() => _codec.Decompress(frame.AsSpan(0, written), new byte[message.Length]));

        Assert.Equal(20, Assert.IsType<ZstdException>(error.InnerException).ErrorCode); // corruption_detected
        Assert.Contains("corrupt", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Codec_FrameLargerThanDestination_Refused()
    {
        var message = Sample().First(m => m.Kind == MessageKind.GatewayBatch).Bytes;
        var frame = new byte[ZstdDictionaryCodec.GetMaxCompressedLength(message.Length)];
        var written = _codec.Compress(message, frame);
        var output = new byte[message.Length - 1];

        var error = Assert.Throws<InvalidDataException>(() => _codec.Decompress(frame.AsSpan(0, written), output));

        Assert.Equal(70, Assert.IsType<ZstdException>(error.InnerException).ErrorCode); // dstSize_tooSmall
        Assert.Contains("larger than the destination", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Codec_FrameDeclaringContentSizeAboveDestination_RefusedBeforeDecoding()
    {
        using var declaring = new ZstdDictionaryCodec(_registry.Get(1), writeContentSize: true);
        var message = new byte[5000];
        var frame = new byte[ZstdDictionaryCodec.GetMaxCompressedLength(message.Length)];
        var written = declaring.Compress(message, frame);
        Assert.NotEqual(0, frame[0] & 0xC0 | frame[0] & 0x20); // a content size field is present

        var error = Assert.Throws<InvalidDataException>(() => declaring.Decompress(frame.AsSpan(0, written), new byte[100]));

        Assert.Equal(70, Assert.IsType<ZstdException>(error.InnerException).ErrorCode);
    }

    [Fact]
    public void Codec_DestinationTooSmallForFrame_CompressReturnsMinusOne()
    {
        var message = Sample().First(m => m.Kind == MessageKind.GatewayBatch).Bytes;

        Assert.Equal(-1, _codec.Compress(message, new byte[8]));
    }

    [Fact]
    public void Codec_RepeatedCalls_AllocateNothing()
    {
        var message = Sample().First(m => m.Kind == MessageKind.SampleSet).Bytes;
        var frame = new byte[256];
        var output = new byte[256];
        var written = _codec.Compress(message, frame);
        _codec.Decompress(frame.AsSpan(0, written), output);

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 1000; i++)
        {
            written = _codec.Compress(message, frame);
            _codec.Decompress(frame.AsSpan(0, written), output);
        }
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
    }

    [Fact]
    public void Codec_ConcurrentUse_EveryRoundTripCorrect()
    {
        var messages = Sample().Select(m => m.Bytes).ToArray();

        Parallel.For(0, 4, _ =>
        {
            var frame = new byte[ZstdDictionaryCodec.GetMaxCompressedLength(4096)];
            var output = new byte[4096];
            foreach (var message in messages)
            {
                var written = _codec.Compress(message, frame);
                var read = _codec.Decompress(frame.AsSpan(0, written), output);
                Assert.True(output.AsSpan(0, read).SequenceEqual(message));
            }
        });
    }

    [Fact]
    public void Codec_GarbageInput_RefusedNotCrashed()
    {
        var garbage = ByteString.CopyFromUtf8("this is not a zstd frame at all").ToByteArray();

        Assert.Throws<InvalidDataException>(() => _codec.Decompress(garbage, new byte[1024]));
    }
}
