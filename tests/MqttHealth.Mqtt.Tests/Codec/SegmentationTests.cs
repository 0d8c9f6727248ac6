using System.Buffers;
using MqttHealth.Mqtt.Codec;
using MqttHealth.Mqtt.Packets;
using MqttHealth.Mqtt.Protocol;

namespace MqttHealth.Mqtt.Tests.Codec;

/// <summary>
/// Framing over real receive-buffer shapes: a packet may arrive in any number of pieces, several packets may
/// arrive in one read, and an incomplete packet must not be consumed. Also the Remaining Length rules
/// (5.0 §1.5.5, §2.1.4) and the Maximum Packet Size check before the body arrives.
/// </summary>
public class SegmentationTests
{
    /// <summary>Above this size the quadratic multi-segment prefix check is skipped (the single-segment one still runs).</summary>
    private const int MultiSegmentPrefixLimit = 1024;

    [Theory]
    [MemberData(nameof(PacketCatalogue.All), MemberType = typeof(PacketCatalogue))]
    public void Decode_OneBytePerSegment_GivesSamePacket(PacketSample sample)
    {
        byte[] bytes = Wire.Encode(sample.Packet, sample.Version);

        MqttPacket decoded = Wire.DecodeSingle(Sequences.OneBytePerSegment(bytes), sample.Version, sample.Direction);

        PacketAssert.Equal(sample.Packet, decoded);
    }

    [Theory]
    [MemberData(nameof(PacketCatalogue.All), MemberType = typeof(PacketCatalogue))]
    public void Decode_EmptySegmentsAroundEveryByte_GivesSamePacket(PacketSample sample)
    {
        byte[] bytes = Wire.Encode(sample.Packet, sample.Version);

        MqttPacket decoded = Wire.DecodeSingle(Sequences.WithEmptySegments(bytes), sample.Version, sample.Direction);

        PacketAssert.Equal(sample.Packet, decoded);
    }

    [Theory]
    [MemberData(nameof(PacketCatalogue.All), MemberType = typeof(PacketCatalogue))]
    public void Decode_TwoSegmentsSplitAtEveryPoint_GivesSamePacket(PacketSample sample)
    {
        byte[] bytes = Wire.Encode(sample.Packet, sample.Version);

        for (int split = 0; split <= bytes.Length; split++)
        {
            MqttPacket decoded = Wire.DecodeSingle(Sequences.SplitAt(bytes, split), sample.Version, sample.Direction);
            PacketAssert.Equal(sample.Packet, decoded);
        }
    }

    [Theory]
    [MemberData(nameof(PacketCatalogue.All), MemberType = typeof(PacketCatalogue))]
    public void TryReadFrame_EveryStrictPrefix_ReturnsFalseAndConsumesNothing(PacketSample sample)
    {
        byte[] bytes = Wire.Encode(sample.Packet, sample.Version);
        ReadOnlySequence<byte> oneByteSegments = bytes.Length <= MultiSegmentPrefixLimit ? Sequences.OneBytePerSegment(bytes) : default;

        for (int length = 0; length < bytes.Length; length++)
        {
            AssertIncomplete(new ReadOnlySequence<byte>(bytes, 0, length), length);
            if (bytes.Length <= MultiSegmentPrefixLimit)
            {
                AssertIncomplete(oneByteSegments.Slice(0, length), length);
            }
        }
    }

    [Theory]
    [MemberData(nameof(PacketCatalogue.All), MemberType = typeof(PacketCatalogue))]
    public void TryReadFrame_OnlyFixedHeaderOfPacketLargerThanMaximum_ThrowsPacketTooLarge(PacketSample sample)
    {
        byte[] bytes = Wire.Encode(sample.Packet, sample.Version);
        int headerLength = 1 + Wire.ReadRemainingLength(bytes).Length;
        var header = new ReadOnlySequence<byte>(bytes, 0, headerLength);

        var error = Assert.Throws<MqttProtocolException>(() => MqttFrameReader.TryReadFrame(ref header, bytes.Length - 1, out _));
        Assert.Equal(ReasonCode.PacketTooLarge, error.ReasonCode);

        // Exactly at the limit the packet is fine (5.0 §3.1.2.11.4: the limit is the total packet size).
        var whole = new ReadOnlySequence<byte>(bytes);
        Assert.True(MqttFrameReader.TryReadFrame(ref whole, bytes.Length, out MqttFrame frame));
        Assert.Equal(bytes.Length, frame.PacketSize);
    }

    [Theory]
    [MemberData(nameof(PacketCatalogue.Versions), MemberType = typeof(PacketCatalogue))]
    public void TryReadFrame_WholeCatalogueBackToBack_ReadsEveryPacketInOrder(MqttProtocolVersion version)
    {
        List<PacketSample> samples = PacketCatalogue.OfVersion(version).ToList();
        var writer = new ArrayBufferWriter<byte>();
        foreach (PacketSample sample in samples)
        {
            MqttPacketEncoder.Encode(sample.Packet, version, writer);
        }

        byte[] all = writer.WrittenSpan.ToArray();
        foreach (ReadOnlySequence<byte> shape in new[] { new ReadOnlySequence<byte>(all), Sequences.Chunked(all, 7) })
        {
            ReadOnlySequence<byte> buffer = shape;
            int index = 0;
            while (MqttFrameReader.TryReadFrame(ref buffer, Wire.NoLimit, out MqttFrame frame))
            {
                Assert.True(index < samples.Count, "more frames than packets");
                PacketSample expected = samples[index++];
                PacketAssert.Equal(expected.Packet, MqttPacketDecoder.Decode(frame, version, expected.Direction));
            }

            Assert.Equal(samples.Count, index);
            Assert.True(buffer.IsEmpty);
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void TryReadFrame_StreamArrivingInRandomChunks_ReadsEveryPacketOnce(int seed)
    {
        // Like a PipeReader loop: append what arrived, cut whole frames, keep the rest for the next read.
        var random = new Random(seed);
        List<PacketSample> samples = PacketCatalogue.OfVersion(MqttProtocolVersion.V500).OrderBy(_ => random.Next()).ToList();
        var writer = new ArrayBufferWriter<byte>();
        foreach (PacketSample sample in samples)
        {
            MqttPacketEncoder.Encode(sample.Packet, MqttProtocolVersion.V500, writer);
        }

        byte[] stream = writer.WrittenSpan.ToArray();
        var pending = new List<ReadOnlyMemory<byte>>();
        int received = 0;
        int decoded = 0;
        while (received < stream.Length)
        {
            int chunk = Math.Min(stream.Length - received, random.Next(1, 64) * (random.Next(10) == 0 ? 100 : 1));
            pending.Add(stream.AsMemory(received, chunk));
            received += chunk;
            ReadOnlySequence<byte> buffer = Sequences.FromSegments(pending);
            while (MqttFrameReader.TryReadFrame(ref buffer, Wire.NoLimit, out MqttFrame frame))
            {
                PacketSample expected = samples[decoded++];
                PacketAssert.Equal(expected.Packet, MqttPacketDecoder.Decode(frame, MqttProtocolVersion.V500, expected.Direction));
            }

            // Keep only the unconsumed bytes, as AdvanceTo(buffer.Start, buffer.End) would.
            pending = [buffer.ToArray()];
        }

        Assert.Equal(samples.Count, decoded);
        Assert.Empty(pending[0].ToArray());
    }

    /// <summary>The examples of 5.0 §1.5.5 (3.1.1 §2.2.3 table 2.4): the boundaries of each encoded size.</summary>
    [Theory]
    [InlineData(0, new byte[] { 0x00 })]
    [InlineData(1, new byte[] { 0x01 })]
    [InlineData(127, new byte[] { 0x7F })]
    [InlineData(128, new byte[] { 0x80, 0x01 })]
    [InlineData(16_383, new byte[] { 0xFF, 0x7F })]
    [InlineData(16_384, new byte[] { 0x80, 0x80, 0x01 })]
    [InlineData(2_097_151, new byte[] { 0xFF, 0xFF, 0x7F })]
    [InlineData(2_097_152, new byte[] { 0x80, 0x80, 0x80, 0x01 })]
    [InlineData(268_435_455, new byte[] { 0xFF, 0xFF, 0xFF, 0x7F })]
    public void TryReadFrame_MinimalRemainingLength_IsAccepted(int value, byte[] encoded)
    {
        byte[] header = [0x30, .. encoded];

        // The encoder agrees with the spec's table.
        var written = new byte[4];
        Assert.Equal(encoded.Length, MqttEncoding.WriteVariableByteInteger(written, value));
        Assert.Equal(encoded, written[..encoded.Length]);
        Assert.Equal(encoded.Length, MqttEncoding.VariableByteIntegerSize(value));

        // Header alone: complete only when there is no body; otherwise "need more", nothing consumed.
        foreach (ReadOnlySequence<byte> shape in new[] { new ReadOnlySequence<byte>(header), Sequences.OneBytePerSegment(header) })
        {
            ReadOnlySequence<byte> buffer = shape;
            bool complete = MqttFrameReader.TryReadFrame(ref buffer, Wire.NoLimit, out MqttFrame frame);
            Assert.Equal(value == 0, complete);
            if (complete)
            {
                Assert.Equal(0, frame.Body.Length);
                Assert.True(buffer.IsEmpty);
            }
            else
            {
                Assert.Equal(shape.Start, buffer.Start);
                Assert.Equal(shape.Length, buffer.Length);
            }
        }

        // With the body (up to 2 MB; the 256 MB case is only checked header-only above).
        if (value <= 2_097_152)
        {
            var packet = new byte[header.Length + value + 3];
            header.CopyTo(packet, 0);
            packet[^1] = 0xC0; // the start of the next packet must be left in the buffer
            var buffer = new ReadOnlySequence<byte>(packet);
            Assert.True(MqttFrameReader.TryReadFrame(ref buffer, Wire.NoLimit, out MqttFrame frame));
            Assert.Equal(value, frame.Body.Length);
            Assert.Equal(header.Length + value, frame.PacketSize);
            Assert.Equal(3, buffer.Length);
        }
    }

    [Theory]
    [InlineData(new byte[] { 0x80, 0x00 })] // 0 in two bytes
    [InlineData(new byte[] { 0xFF, 0x00 })] // 127 in two bytes
    [InlineData(new byte[] { 0x80, 0x80, 0x00 })] // 0 in three bytes
    [InlineData(new byte[] { 0x81, 0x80, 0x00 })] // 1 in three bytes
    [InlineData(new byte[] { 0xFF, 0xFF, 0x00 })] // 16,383 in three bytes
    [InlineData(new byte[] { 0x80, 0x80, 0x80, 0x00 })] // 0 in four bytes
    [InlineData(new byte[] { 0xFF, 0xFF, 0xFF, 0x00 })] // 2,097,151 in four bytes
    public void TryReadFrame_NonMinimalRemainingLength_ThrowsMalformed(byte[] encoded)
    {
        // [MQTT-1.5.5-1] The encoded value MUST use the minimum number of bytes necessary to represent the value.
        byte[] withBody = [0x30, .. encoded, .. new byte[200]];
        foreach (int length in new[] { 1 + encoded.Length, withBody.Length })
        {
            byte[] bytes = withBody[..length];
            foreach (ReadOnlySequence<byte> shape in new[] { new ReadOnlySequence<byte>(bytes), Sequences.OneBytePerSegment(bytes) })
            {
                ReadOnlySequence<byte> buffer = shape;
                var error = Assert.Throws<MqttProtocolException>(() => MqttFrameReader.TryReadFrame(ref buffer, Wire.NoLimit, out _));
                Assert.Equal(ReasonCode.MalformedPacket, error.ReasonCode);
                Assert.Equal("MQTT-1.5.5-1", error.NormativeId);
            }
        }
    }

    [Theory]
    [InlineData(new byte[] { 0x80, 0x80, 0x80, 0x80 })]
    [InlineData(new byte[] { 0xFF, 0xFF, 0xFF, 0xFF })]
    [InlineData(new byte[] { 0x81, 0x82, 0x83, 0x84 })]
    public void TryReadFrame_FourContinuationBytes_ThrowsMalformedWithoutWaitingForMore(byte[] encoded)
    {
        // A Remaining Length is at most four bytes (5.0 §1.5.5): a fourth byte with the continuation bit is
        // already malformed, whatever would follow.
        foreach (byte[] bytes in new byte[][] { [0x30, .. encoded], [0x30, .. encoded, 0x01, 0x00] })
        {
            foreach (ReadOnlySequence<byte> shape in new[] { new ReadOnlySequence<byte>(bytes), Sequences.OneBytePerSegment(bytes) })
            {
                ReadOnlySequence<byte> buffer = shape;
                var error = Assert.Throws<MqttProtocolException>(() => MqttFrameReader.TryReadFrame(ref buffer, Wire.NoLimit, out _));
                Assert.Equal(ReasonCode.MalformedPacket, error.ReasonCode);
            }
        }

        // With only three of the four bytes nothing is known yet: need more, nothing consumed.
        byte[] partial = [0x30, .. encoded[..3]];
        AssertIncomplete(new ReadOnlySequence<byte>(partial), partial.Length);
    }

    [Fact]
    public void TryReadFrame_HugeRemainingLengthAboveMaximum_ThrowsPacketTooLargeBeforeTheBody()
    {
        // RL 268,435,455: the reader must refuse from the four header bytes, without buffering anything more.
        byte[] header = [0x30, 0xFF, 0xFF, 0xFF, 0x7F];
        foreach (ReadOnlySequence<byte> shape in new[] { new ReadOnlySequence<byte>(header), Sequences.OneBytePerSegment(header) })
        {
            ReadOnlySequence<byte> buffer = shape;
            var error = Assert.Throws<MqttProtocolException>(() => MqttFrameReader.TryReadFrame(ref buffer, 1024 * 1024, out _));
            Assert.Equal(ReasonCode.PacketTooLarge, error.ReasonCode);
        }
    }

    [Theory]
    [InlineData(202, true)]
    [InlineData(203, false)]
    public void TryReadFrame_HeaderOnlyAtTheMaximum_ThrowsOnlyAboveIt(int maximum, bool throws)
    {
        // RL 200 = 0xC8 0x01: the whole packet is 1 + 2 + 200 = 203 bytes.
        byte[] header = [0x30, 0xC8, 0x01];
        var buffer = new ReadOnlySequence<byte>(header);
        if (throws)
        {
            var error = Assert.Throws<MqttProtocolException>(() => MqttFrameReader.TryReadFrame(ref buffer, maximum, out _));
            Assert.Equal(ReasonCode.PacketTooLarge, error.ReasonCode);
        }
        else
        {
            Assert.False(MqttFrameReader.TryReadFrame(ref buffer, maximum, out _));
            Assert.Equal(header.Length, buffer.Length);
        }
    }

    private static void AssertIncomplete(ReadOnlySequence<byte> prefix, int length)
    {
        ReadOnlySequence<byte> buffer = prefix;
        bool framed = MqttFrameReader.TryReadFrame(ref buffer, Wire.NoLimit, out _);
        Assert.False(framed, $"a {length}-byte prefix must not be framed");
        Assert.Equal(prefix.Start, buffer.Start);
        Assert.Equal(prefix.End, buffer.End);
        Assert.Equal(length, buffer.Length);
    }
}
