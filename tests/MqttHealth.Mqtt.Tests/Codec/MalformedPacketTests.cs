using System.Buffers;
using MqttHealth.Mqtt.Codec;
using MqttHealth.Mqtt.Protocol;

namespace MqttHealth.Mqtt.Tests.Codec;

/// <summary>
/// Feeds every case of <see cref="MalformedPacketCorpus"/> through the frame reader and the decoder (and, for
/// PUBLISH, the allocation-free <see cref="MqttPacketDecoder.DecodePublish"/> too) and checks that exactly the
/// expected <see cref="MqttProtocolException"/> comes out: the reason code the receiver answers with and the
/// normative statement it broke.
/// </summary>
public sealed class MalformedPacketTests
{
    /// <summary>The text of every shortfall error (MqttThrow.Truncated): a case about another rule must not produce it.</summary>
    private const string TruncationMessage = "ends inside its";

    public static TheoryData<string> CaseNames => MalformedPacketCorpus.Names;

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void Decode_MalformedPacket_ThrowsExpectedReasonCodeAndNormativeId(string name)
    {
        MalformedPacketCase c = MalformedPacketCorpus.Get(name);
        AssertRejected(c, new ReadOnlySequence<byte>(c.ToBytes()), "one segment");
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void Decode_MalformedPacketOneBytePerSegment_ThrowsSameError(string name)
    {
        // A packet that arrives in many reads must be judged exactly like one that arrives whole.
        MalformedPacketCase c = MalformedPacketCorpus.Get(name);
        AssertRejected(c, Sequences.OneBytePerSegment(c.ToBytes()), "one byte per segment");
    }

    [Fact]
    public void Corpus_Size_AtLeast150CasesWithUniqueNames()
    {
        IReadOnlyList<MalformedPacketCase> cases = MalformedPacketCorpus.Cases;
        Assert.True(cases.Count >= 150, $"The corpus has {cases.Count} cases; at least 150 are required.");
        string[] duplicates = [.. cases.GroupBy(c => c.Name, StringComparer.Ordinal).Where(g => g.Count() > 1).Select(g => g.Key)];
        Assert.True(duplicates.Length == 0, "Duplicate case names: " + string.Join(", ", duplicates));
    }

    [Fact]
    public void Corpus_Hex_IsWellFormedAndAtLeastTwoBytes()
    {
        foreach (MalformedPacketCase c in MalformedPacketCorpus.Cases)
        {
            Assert.Matches("^[0-9A-F]{2}( [0-9A-F]{2})+$", c.Hex);
        }
    }

    [Fact]
    public void Corpus_RemainingLength_MatchesTheBytesOutsideFramingCases()
    {
        // The cases are typed by hand: a wrong Remaining Length would make a case test framing instead of the
        // rule it names. Read the Remaining Length with the decode algorithm of 5.0 §1.5.5, independent of the codec.
        var wrong = new List<string>();
        foreach (MalformedPacketCase c in MalformedPacketCorpus.Cases.Where(c => !MalformedPacketCorpus.IsAboutFraming(c)))
        {
            byte[] bytes = c.ToBytes();
            (int value, int length) = Wire.ReadRemainingLength(bytes);
            int actual = bytes.Length - 1 - length;
            if (value != actual)
            {
                wrong.Add($"{c.Name}: declares {value} (0x{value:X2}), has {actual} (0x{actual:X2})");
            }
        }

        Assert.True(wrong.Count == 0, "Remaining Length does not match the bytes:\n" + string.Join("\n", wrong));
    }

    private static void AssertRejected(MalformedPacketCase c, ReadOnlySequence<byte> buffer, string shape)
    {
        bool complete;
        MqttFrame frame;
        try
        {
            complete = MqttFrameReader.TryReadFrame(ref buffer, c.MaximumPacketSize, out frame);
        }
        catch (MqttProtocolException error)
        {
            Assert.True(MalformedPacketCorpus.IsAboutFraming(c), $"{c.Name} ({shape}): the frame reader rejected a case meant for the decoder: {error.Message}");
            AssertError(c, error, shape + ", frame reader");
            return;
        }

        Assert.False(MalformedPacketCorpus.IsAboutFraming(c), $"{c.Name} ({shape}): the frame reader accepted a framing case (complete: {complete}).");
        Assert.True(complete, $"{c.Name} ({shape}): the frame reader found the packet incomplete.");
        Assert.True(buffer.IsEmpty, $"{c.Name} ({shape}): {buffer.Length} bytes were left after the frame; a case is exactly one packet.");

        MqttFrame framed = frame;
        MqttProtocolException decodeError = Assert.Throws<MqttProtocolException>(() => MqttPacketDecoder.Decode(framed, c.Version, c.Direction));
        AssertError(c, decodeError, shape + ", Decode");

        if (framed.Type == MqttPacketType.Publish)
        {
            MqttProtocolException viewError = Assert.Throws<MqttProtocolException>(() => MqttPacketDecoder.DecodePublish(framed, c.Version, c.Direction));
            AssertError(c, viewError, shape + ", DecodePublish");
        }
    }

    private static void AssertError(MalformedPacketCase c, MqttProtocolException error, string where)
    {
        Assert.True(
            error.ReasonCode == c.ReasonCode && string.Equals(error.NormativeId, c.NormativeId, StringComparison.Ordinal),
            $"{c.Name} ({where}): expected 0x{(byte)c.ReasonCode:X2} {c.ReasonCode} [{c.NormativeId}], got 0x{(byte)error.ReasonCode:X2} {error.ReasonCode} [{error.NormativeId}]: {error.Message}");

        bool truncation = error.Message.Contains(TruncationMessage, StringComparison.Ordinal);
        Assert.True(
            truncation == MalformedPacketCorpus.IsAboutTruncation(c),
            $"{c.Name} ({where}): {(truncation ? "the packet ran out of bytes, so a length in the case is wrong" : "a Truncated_ case was rejected for another reason")}: {error.Message}");
    }
}
