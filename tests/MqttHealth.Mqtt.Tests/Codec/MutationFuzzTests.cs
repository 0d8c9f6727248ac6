using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using MqttHealth.Mqtt.Codec;
using MqttHealth.Mqtt.Packets;
using MqttHealth.Mqtt.Protocol;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace MqttHealth.Mqtt.Tests.Codec;

/// <summary>
/// Seeded mutation fuzzing of the frame reader and the decoder. Valid packets of every type in both versions
/// (the <see cref="PacketCatalogue"/>) are damaged (bit flips, interesting byte values, insertions, deletions,
/// truncation, tampered length fields, splices of two packets, a duplicated property block) and fed through
/// the read loop a broker runs, in one piece or in random segments, under every direction and both versions.
/// <para>
/// A peer controls every byte, so the only acceptable failure is <see cref="MqttProtocolException"/>: anything
/// else (an index out of range, an overflow, a hang) would let a client crash or stall the broker. When a
/// damaged buffer still decodes, the packet must survive encode → decode → encode unchanged.
/// </para>
/// <para>
/// Reproducible: every iteration draws from its own generator seeded from (seed, iteration), so a failure
/// message's seed and iteration replay it alone. MQTT_FUZZ_SEED and MQTT_FUZZ_ITERATIONS override the fixed
/// seed and the iteration count for longer exploratory runs.
/// </para>
/// </summary>
public sealed class MutationFuzzTests
{
    private const ulong DefaultSeed = 0x4D51_5454_2D46_555A; // "MQTT-FUZ"
    private const int DefaultIterations = 200_000;
    private const int PublishIterations = 60_000;
    private const int LargestSeed = 1024;

    /// <summary>The whole run must finish within this; a hang anywhere shows up as a timeout with the stuck input.</summary>
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(120);

    private static readonly byte[] InterestingBytes = [0x00, 0x7F, 0x80, 0xFF];

    private static readonly int[] InterestingLengths = [0, 1, 2, 127, 128, 16_383, 16_384, 2_097_151, 2_097_152, MqttFrameReader.MaxRemainingLength];

    private static readonly int MutationCount = Enum.GetValues<Mutation>().Length;

    private static readonly Lazy<IReadOnlyList<Seed>> LazySeeds = new(BuildSeeds);

    private readonly ITestOutputHelper _output;

    public MutationFuzzTests(ITestOutputHelper output)
    {
        _output = output;
    }

    private enum Mutation
    {
        BitFlip,
        InterestingByte,
        RandomByte,
        Insert,
        Delete,
        Truncate,
        RemainingLength,
        TwoByteLength,
        VariableByteInteger,
        Splice,
        DuplicatePropertyBlock,
        Append,
    }

    private static ulong FuzzSeed =>
        Environment.GetEnvironmentVariable("MQTT_FUZZ_SEED") is { Length: > 0 } text
            ? ulong.Parse(text.StartsWith("0x", StringComparison.OrdinalIgnoreCase) ? text[2..] : text, text.StartsWith("0x", StringComparison.OrdinalIgnoreCase) ? NumberStyles.HexNumber : NumberStyles.Integer, CultureInfo.InvariantCulture)
            : DefaultSeed;

    private static int FuzzIterations =>
        Environment.GetEnvironmentVariable("MQTT_FUZZ_ITERATIONS") is { Length: > 0 } text
            ? int.Parse(text, CultureInfo.InvariantCulture)
            : DefaultIterations;

    private static IReadOnlyList<Seed> Seeds => LazySeeds.Value;

    [Fact]
    public void Seeds_CoverEveryPacketTypeInBothVersionsAndDecode()
    {
        // The fuzzer is only as broad as its seeds: every type of 3.1.1 (1-14) and of 5.0 (1-15).
        foreach (MqttProtocolVersion version in new[] { MqttProtocolVersion.V311, MqttProtocolVersion.V500 })
        {
            int last = version == MqttProtocolVersion.V500 ? 15 : 14;
            int[] missing = [.. Enumerable.Range(1, last).Where(t => !Seeds.Any(s => s.Version == version && (s.Bytes[0] >> 4) == t))];
            Assert.True(missing.Length == 0, $"No {version} seed of packet type(s) {string.Join(", ", missing)}.");
        }

        foreach (Seed seed in Seeds)
        {
            var buffer = new ReadOnlySequence<byte>(seed.Bytes);
            Assert.True(MqttFrameReader.TryReadFrame(ref buffer, int.MaxValue, out MqttFrame frame), seed.Name);
            Assert.True(buffer.IsEmpty, seed.Name);
            MqttPacketDecoder.Decode(frame, seed.Version, seed.Direction);
        }
    }

    [Fact]
    public void DuplicatePropertyBlock_V500Seeds_StillFramesAndMeetsTheRepeatRules()
    {
        // Checks the one structure-aware mutation: the doubled section must frame as one packet, and then only
        // the rules on repeated properties decide (5.0 §2.2.2.2: User Property may repeat, and Subscription
        // Identifier in a PUBLISH to a Client; any other repeat is a Protocol Error).
        int rejected = 0;
        int accepted = 0;
        foreach (Seed seed in Seeds.Where(s => s.Version == MqttProtocolVersion.V500))
        {
            if (!TryFindProperties(seed.Bytes, out _, out _, out int count) || count == 0)
            {
                continue;
            }

            byte[] doubled = DuplicatePropertyBlock(seed.Bytes);
            var buffer = new ReadOnlySequence<byte>(doubled);
            Assert.True(MqttFrameReader.TryReadFrame(ref buffer, int.MaxValue, out MqttFrame frame), seed.Name);
            Assert.True(buffer.IsEmpty, seed.Name);
            TryReadVariableByteInteger(seed.Bytes, 1, out int before, out _);
            TryReadVariableByteInteger(doubled, 1, out int after, out _);
            int lengthGrowth = WriteVariableByteInteger(2 * count).Length - WriteVariableByteInteger(count).Length;
            Assert.Equal(before + count + lengthGrowth, after);
            try
            {
                MqttPacket packet = MqttPacketDecoder.Decode(frame, seed.Version, seed.Direction);
                var original = new ReadOnlySequence<byte>(seed.Bytes);
                MqttFrameReader.TryReadFrame(ref original, int.MaxValue, out MqttFrame originalFrame);
                Assert.Equal(2 * UserPropertyCount(MqttPacketDecoder.Decode(originalFrame, seed.Version, seed.Direction)), UserPropertyCount(packet));
                accepted++;
            }
            catch (MqttProtocolException error)
            {
                Assert.True(error.ReasonCode == ReasonCode.ProtocolError && error.Message.Contains("more than once", StringComparison.Ordinal), $"{seed.Name}: {error.Message}");
                rejected++;
            }
        }

        Assert.True(rejected > 10 && accepted > 0, $"{rejected} doubled sections rejected, {accepted} accepted.");
    }

    [Fact]
    public async Task Decode_MutatedPackets_ThrowOnlyProtocolExceptionsAndReencodeStably()
    {
        ulong seed = FuzzSeed;
        int iterations = FuzzIterations;
        var run = new FuzzRun(seed, "decode");
        var stopwatch = Stopwatch.StartNew();

        await RunWithBudget(run, () =>
        {
            for (int i = 0; i < iterations && run.Failure is null; i++)
            {
                var random = new Prng(seed, i);
                Seed origin = Seeds[random.Next(Seeds.Count)];
                byte[] input = Mutate(origin, ref random);
                MqttProtocolVersion version = random.Next(10) < 7 ? origin.Version : Other(origin.Version);
                var direction = (PacketDirection)random.Next(3);
                int maximumPacketSize = random.Next(10) == 0 ? 2 + random.Next(input.Length + 8) : int.MaxValue;
                run.Begin(i, input, $"{version}, {direction}, maximum packet size {maximumPacketSize}, from {origin.Name}");
                ReadOnlySequence<byte> buffer = Segment(input, ref random, out string shape);
                run.Shape = shape;
                DecodeAll(run, buffer, version, direction, maximumPacketSize);
            }
        });

        stopwatch.Stop();
        _output.WriteLine(
            $"seed 0x{seed:X16}: {run.Iterations:N0} mutated inputs, {run.Frames:N0} frames, {run.Decoded:N0} decoded and re-encoded, " +
            $"{run.Rejected:N0} rejected with MqttProtocolException, {run.Incomplete:N0} incomplete, in {stopwatch.Elapsed.TotalSeconds:F1} s.");
        _output.WriteLine("Reason codes of the rejections: " + string.Join(", ", run.ReasonCodes.OrderByDescending(p => p.Value).Select(p => $"{p.Key} {p.Value:N0}")));
        Assert.True(run.Failure is null, run.Failure);
        Assert.Equal(iterations, run.Iterations);

        // Guard against a fuzzer that only ever produces garbage (or only valid packets): both outcomes must be common.
        Assert.True(run.Decoded > iterations / 20, $"Only {run.Decoded} frames decoded; the mutations are too destructive to reach the decoder's deeper rules.");
        Assert.True(run.Rejected > iterations / 5, $"Only {run.Rejected} inputs were rejected; the mutations are too mild.");
    }

    [Fact]
    public async Task DecodePublish_MutatedPublishPackets_AgreesWithDecode()
    {
        // The broker's hot path (PublishPacketView) and the general decoder implement the PUBLISH rules twice
        // over the same bytes; they must accept and reject exactly the same packets, with the same error.
        ulong seed = FuzzSeed ^ 0x5055_424C_4953_4821; // a second, independent stream
        Seed[] publishes = [.. Seeds.Where(s => (s.Bytes[0] >> 4) == (int)MqttPacketType.Publish)];
        var run = new FuzzRun(seed, "publish");
        int agreedAccepted = 0;
        int agreedRejected = 0;
        var stopwatch = Stopwatch.StartNew();

        await RunWithBudget(run, () =>
        {
            for (int i = 0; i < PublishIterations && run.Failure is null; i++)
            {
                var random = new Prng(seed, i);
                Seed origin = publishes[random.Next(publishes.Length)];
                byte[] input = Mutate(origin, ref random);
                input[0] = (byte)(0x30 | (input[0] & 0x0F)); // keep it a PUBLISH: the point is the PUBLISH rules
                MqttProtocolVersion version = random.Next(10) < 8 ? origin.Version : Other(origin.Version);
                var direction = (PacketDirection)random.Next(3);
                run.Begin(i, input, $"{version}, {direction}, from {origin.Name}");
                var buffer = new ReadOnlySequence<byte>(input);
                try
                {
                    if (!MqttFrameReader.TryReadFrame(ref buffer, int.MaxValue, out MqttFrame frame))
                    {
                        run.Incomplete++;
                        continue;
                    }

                    run.Frames++;
                    string? disagreement = Compare(frame, version, direction, ref agreedAccepted, ref agreedRejected);
                    if (disagreement is not null)
                    {
                        run.Fail(disagreement);
                    }
                }
                catch (MqttProtocolException)
                {
                    run.Rejected++;
                }
            }
        });

        stopwatch.Stop();
        _output.WriteLine(
            $"seed 0x{seed:X16}: {run.Iterations:N0} mutated PUBLISH inputs, {run.Frames:N0} framed, both accepted {agreedAccepted:N0}, " +
            $"both rejected {agreedRejected:N0}, in {stopwatch.Elapsed.TotalSeconds:F1} s.");
        Assert.True(run.Failure is null, run.Failure);
        Assert.True(agreedAccepted > PublishIterations / 20, $"Only {agreedAccepted} mutated PUBLISH packets were accepted by both decoders.");
        Assert.True(agreedRejected > PublishIterations / 20, $"Only {agreedRejected} mutated PUBLISH packets were rejected by both decoders.");
    }

    /// <summary>The read loop of a broker or client: frame and decode until the buffer holds no complete packet.</summary>
    private static void DecodeAll(FuzzRun run, ReadOnlySequence<byte> buffer, MqttProtocolVersion version, PacketDirection direction, int maximumPacketSize)
    {
        try
        {
            while (true)
            {
                long before = buffer.Length;
                if (!MqttFrameReader.TryReadFrame(ref buffer, maximumPacketSize, out MqttFrame frame))
                {
                    if (buffer.Length != before)
                    {
                        run.Fail($"TryReadFrame returned false but consumed {before - buffer.Length} bytes.");
                    }

                    run.Incomplete++;
                    return;
                }

                // Each turn of the loop must consume at least the two bytes of a fixed header, or it never ends.
                if (before - buffer.Length < 2 || frame.PacketSize != before - buffer.Length)
                {
                    run.Fail($"TryReadFrame made no progress or misreported the size: {before} -> {buffer.Length} bytes, PacketSize {frame.PacketSize}.");
                    return;
                }

                run.Frames++;
                MqttPacket packet = MqttPacketDecoder.Decode(frame, version, direction);
                run.Decoded++;
                string? roundTrip = CheckReencoding(packet, version, direction);
                if (roundTrip is not null)
                {
                    run.Fail(roundTrip);
                    return;
                }
            }
        }
        catch (MqttProtocolException error)
        {
            run.Reject(error);
        }
        catch (Exception error) when (error is not XunitException)
        {
            run.Fail($"{error.GetType().Name} instead of MqttProtocolException: {error}");
        }
    }

    /// <summary>Oracle for a damaged buffer that still decoded: encode → decode → encode is stable.</summary>
    private static string? CheckReencoding(MqttPacket packet, MqttProtocolVersion version, PacketDirection direction)
    {
        byte[] first;
        MqttPacket again;
        byte[] second;
        try
        {
            first = Encode(packet, version);
        }
        catch (ArgumentException error)
        {
            return $"The decoder accepted a {packet.Type} the encoder refuses to write: {error.Message}";
        }

        try
        {
            var buffer = new ReadOnlySequence<byte>(first);
            if (!MqttFrameReader.TryReadFrame(ref buffer, int.MaxValue, out MqttFrame frame) || !buffer.IsEmpty)
            {
                return $"The re-encoded {packet.Type} does not frame as one packet: {Convert.ToHexString(first)}";
            }

            again = MqttPacketDecoder.Decode(frame, version, direction);
            PacketAssert.Equal(packet, again);
            second = Encode(again, version);
        }
        catch (Exception error) when (error is MqttProtocolException or ArgumentException or XunitException)
        {
            return $"The re-encoded {packet.Type} did not survive decode → encode: {error.Message}\nre-encoded: {Convert.ToHexString(first)}";
        }

        return first.AsSpan().SequenceEqual(second)
            ? null
            : $"Encoding the same {packet.Type} twice gave different bytes:\n{Convert.ToHexString(first)}\n{Convert.ToHexString(second)}";
    }

    private static string? Compare(in MqttFrame frame, MqttProtocolVersion version, PacketDirection direction, ref int agreedAccepted, ref int agreedRejected)
    {
        MqttPacket? packet = null;
        MqttProtocolException? decodeError = null;
        try
        {
            packet = MqttPacketDecoder.Decode(frame, version, direction);
        }
        catch (MqttProtocolException error)
        {
            decodeError = error;
        }

        PublishPacketView view = default;
        MqttProtocolException? viewError = null;
        try
        {
            view = MqttPacketDecoder.DecodePublish(frame, version, direction);
        }
        catch (MqttProtocolException error)
        {
            viewError = error;
        }

        if (decodeError is not null || viewError is not null)
        {
            if (decodeError is null || viewError is null)
            {
                return $"Decode {(decodeError is null ? "accepted" : "rejected")} the PUBLISH but DecodePublish {(viewError is null ? "accepted" : "rejected")} it: {(decodeError ?? viewError)!.Message}";
            }

            if (decodeError.ReasonCode != viewError.ReasonCode || decodeError.NormativeId != viewError.NormativeId)
            {
                return $"Decode said {decodeError.ReasonCode} [{decodeError.NormativeId}], DecodePublish {viewError.ReasonCode} [{viewError.NormativeId}].";
            }

            agreedRejected++;
            return null;
        }

        var publish = (PublishPacket)packet!;
        var differences = new List<string>();
        void Check<T>(string field, T fromView, T fromPacket)
        {
            if (!EqualityComparer<T>.Default.Equals(fromView, fromPacket))
            {
                differences.Add($"{field}: view {fromView}, packet {fromPacket}");
            }
        }

        Check("Dup", view.Dup, publish.Dup);
        Check("QoS", view.QoS, publish.QoS);
        Check("Retain", view.Retain, publish.Retain);
        Check("PacketId", view.PacketId, publish.PacketId);
        Check("Topic", Convert.ToHexString(view.Topic.ToArray()), Convert.ToHexString(Encoding.UTF8.GetBytes(publish.Topic)));
        Check("Payload", Convert.ToHexString(view.Payload.ToArray()), Convert.ToHexString(publish.Payload.Span));
        Check("TopicAlias", view.TopicAlias, publish.Properties?.TopicAlias ?? 0);
        Check("MessageExpiryInterval", view.MessageExpiryInterval, publish.Properties?.MessageExpiryInterval);
        Check("PayloadFormatIndicator", view.PayloadFormatIndicator, publish.Properties?.PayloadFormatIndicator);
        Check("SubscriptionIdentifierCount", view.SubscriptionIdentifierCount, publish.Properties?.SubscriptionIdentifiers.Count ?? 0);
        try
        {
            PacketAssert.Equal(publish, view.ToPacket());
        }
        catch (XunitException error)
        {
            differences.Add("ToPacket: " + error.Message);
        }

        if (differences.Count > 0)
        {
            return "Decode and DecodePublish accepted the PUBLISH but read it differently: " + string.Join("; ", differences);
        }

        agreedAccepted++;
        return null;
    }

    private static async Task RunWithBudget(FuzzRun run, Action body)
    {
        // A worker thread, so that a decoder stuck in a loop cannot take the test runner with it: the test
        // fails after the budget and names the input the worker was on.
        Task worker = Task.Factory.StartNew(body, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        try
        {
            await worker.WaitAsync(Budget);
        }
        catch (TimeoutException)
        {
            Assert.Fail($"The {run.Name} fuzz run did not finish within {Budget.TotalSeconds} s (seed 0x{run.Seed:X16}); it was at {run.Describe()}");
        }
    }

    /// <summary>One to three mutations of a seed; always a new array (the seeds are shared and never change).</summary>
    private static byte[] Mutate(Seed origin, ref Prng random)
    {
        byte[] bytes = origin.Bytes;
        int count = 1 + random.Next(3);
        for (int m = 0; m < count; m++)
        {
            var mutation = (Mutation)random.Next(MutationCount);

            // A property block can only be found in an intact 5.0 packet: duplicate it first or not at all.
            if (mutation == Mutation.DuplicatePropertyBlock && (m > 0 || origin.Version != MqttProtocolVersion.V500))
            {
                mutation = Mutation.BitFlip;
            }

            bytes = Apply(mutation, bytes, ref random);
            if (bytes.Length == 0)
            {
                bytes = [origin.Bytes[0]];
            }
        }

        return ReferenceEquals(bytes, origin.Bytes) ? [.. bytes] : bytes;
    }

    private static byte[] Apply(Mutation mutation, byte[] bytes, ref Prng random)
    {
        switch (mutation)
        {
            case Mutation.BitFlip:
            {
                byte[] copy = [.. bytes];
                copy[random.Next(copy.Length)] ^= (byte)(1 << random.Next(8));
                return copy;
            }

            case Mutation.InterestingByte:
            case Mutation.RandomByte:
            {
                byte[] copy = [.. bytes];
                copy[random.Next(copy.Length)] = mutation == Mutation.InterestingByte ? InterestingBytes[random.Next(InterestingBytes.Length)] : (byte)random.Next(256);
                return copy;
            }

            case Mutation.Insert:
            {
                int at = random.Next(bytes.Length + 1);
                var inserted = new byte[1 + random.Next(4)];
                for (int i = 0; i < inserted.Length; i++)
                {
                    inserted[i] = random.Next(2) == 0 ? InterestingBytes[random.Next(InterestingBytes.Length)] : (byte)random.Next(256);
                }

                return [.. bytes.AsSpan(0, at), .. inserted, .. bytes.AsSpan(at)];
            }

            case Mutation.Delete:
            {
                int at = random.Next(bytes.Length);
                int length = Math.Min(1 + random.Next(4), bytes.Length - at);
                return [.. bytes.AsSpan(0, at), .. bytes.AsSpan(at + length)];
            }

            case Mutation.Truncate:
                return bytes.Length <= 1 ? bytes : bytes[..random.Next(1, bytes.Length)];

            case Mutation.RemainingLength:
                return TamperRemainingLength(bytes, ref random);

            case Mutation.TwoByteLength:
            {
                // Any two adjacent bytes may be a string, binary or packet-id field: move it a little or a lot.
                if (bytes.Length < 4)
                {
                    return bytes;
                }

                byte[] copy = [.. bytes];
                int at = 2 + random.Next(copy.Length - 3);
                int old = (copy[at] << 8) | copy[at + 1];
                int value = random.Next(4) switch
                {
                    0 => old + 1 + random.Next(3),
                    1 => old - 1 - random.Next(3),
                    2 => copy.Length - at - 2 + random.Next(3) - 1,
                    _ => random.Next(2) == 0 ? 0 : 0xFFFF,
                };
                copy[at] = (byte)(value >> 8);
                copy[at + 1] = (byte)value;
                return copy;
            }

            case Mutation.VariableByteInteger:
            {
                // A run of continuation bytes where a Property Length or Subscription Identifier may sit.
                int at = 1 + random.Next(bytes.Length);
                int length = 1 + random.Next(5);
                var vbi = new byte[length];
                for (int i = 0; i < length; i++)
                {
                    vbi[i] = (byte)(0x80 | random.Next(128));
                }

                vbi[^1] = random.Next(2) == 0 ? (byte)0x00 : (byte)random.Next(128);
                int replace = Math.Min(length, Math.Max(0, bytes.Length - at));
                return [.. bytes.AsSpan(0, Math.Min(at, bytes.Length)), .. vbi, .. bytes.AsSpan(Math.Min(at + replace, bytes.Length))];
            }

            case Mutation.Splice:
            {
                byte[] other = Seeds[random.Next(Seeds.Count)].Bytes;
                return [.. bytes.AsSpan(0, random.Next(bytes.Length + 1)), .. other.AsSpan(random.Next(other.Length))];
            }

            case Mutation.DuplicatePropertyBlock:
                return DuplicatePropertyBlock(bytes);

            default:
            {
                // Another whole packet behind this one: the read loop must go on, or stop cleanly, after the first.
                byte[] other = Seeds[random.Next(Seeds.Count)].Bytes;
                return [.. bytes, .. other];
            }
        }
    }

    /// <summary>Rewrites the fixed header's Remaining Length: off by a little, an interesting value, non-minimal or five bytes.</summary>
    private static byte[] TamperRemainingLength(byte[] bytes, ref Prng random)
    {
        if (!TryReadVariableByteInteger(bytes, 1, out int value, out int size))
        {
            return bytes;
        }

        ReadOnlySpan<byte> body = bytes.AsSpan(1 + size);
        int newValue = random.Next(3) switch
        {
            0 => Math.Max(0, value + (random.Next(2) == 0 ? 1 : -1) * (1 + random.Next(3))),
            1 => InterestingLengths[random.Next(InterestingLengths.Length)],
            _ => value,
        };
        byte[] length = WriteVariableByteInteger(newValue);
        switch (random.Next(4))
        {
            case 0:
                // Not minimal: one more group of zero bits [MQTT-1.5.5-1].
                length[^1] |= 0x80;
                length = [.. length, 0x00];
                break;
            case 1:
                length = [0xFF, 0xFF, 0xFF, 0xFF, 0x7F];
                break;
            default:
                break;
        }

        return [bytes[0], .. length, .. body];
    }

    /// <summary>
    /// Doubles the property section of an intact MQTT 5.0 packet and fixes both lengths, so the packet still
    /// frames and parses and only the rules about repeated properties stand between it and acceptance.
    /// </summary>
    private static byte[] DuplicatePropertyBlock(byte[] packet)
    {
        if (!TryFindProperties(packet, out int lengthAt, out int start, out int count) || count == 0)
        {
            return packet;
        }

        ReadOnlySpan<byte> properties = packet.AsSpan(start, count);
        byte[] body =
        [
            .. packet.AsSpan(HeaderSize(packet), lengthAt - HeaderSize(packet)),
            .. WriteVariableByteInteger(2 * count),
            .. properties,
            .. properties,
            .. packet.AsSpan(start + count),
        ];
        return [packet[0], .. WriteVariableByteInteger(body.Length), .. body];
    }

    /// <summary>Where the (first) property section of a well-formed 5.0 packet is, from the layouts of 5.0 chapter 3.</summary>
    private static bool TryFindProperties(byte[] p, out int lengthAt, out int start, out int count)
    {
        lengthAt = start = count = 0;
        if (!TryReadVariableByteInteger(p, 1, out int remaining, out int size))
        {
            return false;
        }

        int h = 1 + size;
        if (p.Length < h + remaining || remaining < 2)
        {
            return false;
        }

        lengthAt = (p[0] >> 4) switch
        {
            1 => h + 2 + ((p[h] << 8) | p[h + 1]) + 4, // Protocol Name, Level, Connect Flags, Keep Alive
            2 or 8 or 9 or 10 or 11 => h + 2,          // CONNACK flags and code; the Packet Identifier
            3 => h + 2 + ((p[h] << 8) | p[h + 1]) + ((p[0] & 0x06) != 0 ? 2 : 0),
            4 or 5 or 6 or 7 => remaining >= 4 ? h + 3 : -1,
            14 or 15 => remaining >= 2 ? h + 1 : -1,
            _ => -1,
        };
        if (lengthAt < h || !TryReadVariableByteInteger(p, lengthAt, out count, out int lengthSize))
        {
            return false;
        }

        start = lengthAt + lengthSize;
        return start + count <= p.Length;
    }

    private static bool TryReadVariableByteInteger(byte[] bytes, int at, out int value, out int size)
    {
        value = 0;
        size = 0;
        for (int i = 0; i < 4 && at + i < bytes.Length; i++)
        {
            value |= (bytes[at + i] & 0x7F) << (7 * i);
            if ((bytes[at + i] & 0x80) == 0)
            {
                size = i + 1;
                return true;
            }
        }

        return false;
    }

    private static int HeaderSize(byte[] packet) => TryReadVariableByteInteger(packet, 1, out _, out int size) ? 1 + size : 1;

    private static byte[] WriteVariableByteInteger(int value)
    {
        var bytes = new List<byte>(4);
        do
        {
            byte b = (byte)(value & 0x7F);
            value >>= 7;
            bytes.Add(value > 0 ? (byte)(b | 0x80) : b);
        }
        while (value > 0);
        return [.. bytes];
    }

    /// <summary>Whole, or cut at random points into segments (some empty), as a socket pipe may deliver it.</summary>
    private static ReadOnlySequence<byte> Segment(byte[] input, ref Prng random, out string shape)
    {
        switch (random.Next(4))
        {
            case 0:
            case 1:
                shape = "one segment";
                return new ReadOnlySequence<byte>(input);
            case 2:
            {
                var parts = new List<ReadOnlyMemory<byte>>();
                var cuts = new List<int>();
                int at = 0;
                while (at < input.Length)
                {
                    int length = random.Next(8) == 0 ? 0 : Math.Min(1 + random.Next(6), input.Length - at);
                    parts.Add(input.AsMemory(at, length));
                    at += length;
                    cuts.Add(at);
                }

                shape = "segments ending at " + string.Join(",", cuts);
                return Sequences.FromSegments(parts);
            }

            default:
            {
                int cut = random.Next(input.Length + 1);
                shape = $"two segments cut at {cut}";
                return Sequences.FromSegments([input.AsMemory(0, cut), input.AsMemory(cut)]);
            }
        }
    }

    private static byte[] Encode(MqttPacket packet, MqttProtocolVersion version)
    {
        var writer = new ArrayBufferWriter<byte>();
        MqttPacketEncoder.Encode(packet, version, writer);
        return writer.WrittenSpan.ToArray();
    }

    private static int UserPropertyCount(MqttPacket packet) => packet switch
    {
        ConnectPacket p => p.Properties?.UserProperties.Count ?? 0,
        ConnAckPacket p => p.Properties?.UserProperties.Count ?? 0,
        PublishPacket p => p.Properties?.UserProperties.Count ?? 0,
        PublishAcknowledgementPacket p => p.Properties?.UserProperties.Count ?? 0,
        SubscribePacket p => p.Properties?.UserProperties.Count ?? 0,
        SubAckPacket p => p.Properties?.UserProperties.Count ?? 0,
        UnsubscribePacket p => p.Properties?.UserProperties.Count ?? 0,
        UnsubAckPacket p => p.Properties?.UserProperties.Count ?? 0,
        DisconnectPacket p => p.Properties?.UserProperties.Count ?? 0,
        AuthPacket p => p.Properties?.UserProperties.Count ?? 0,
        _ => 0,
    };

    private static MqttProtocolVersion Other(MqttProtocolVersion version) =>
        version == MqttProtocolVersion.V311 ? MqttProtocolVersion.V500 : MqttProtocolVersion.V311;

    private static List<Seed> BuildSeeds()
    {
        var seeds = new List<Seed>();
        foreach (PacketSample sample in PacketCatalogue.Samples)
        {
            byte[] bytes = Encode(sample.Packet, sample.Version);
            if (bytes.Length <= LargestSeed)
            {
                seeds.Add(new Seed(sample.Name, sample.Version, sample.Direction, bytes));
            }
        }

        return seeds;
    }

    /// <summary>A valid packet to mutate: a catalogue sample, encoded once.</summary>
    private sealed record Seed(string Name, MqttProtocolVersion Version, PacketDirection Direction, byte[] Bytes);

    /// <summary>SplitMix64: small, fast, and the same on every runtime, so a seed means the same run everywhere.</summary>
    private struct Prng
    {
        private ulong _state;

        public Prng(ulong seed, int iteration)
        {
            _state = seed + ((ulong)iteration * 0xD1B5_4A32_D192_ED03UL);
        }

        public int Next(int maxExclusive) => (int)(NextUInt64() % (ulong)maxExclusive);

        public int Next(int minInclusive, int maxExclusive) => minInclusive + Next(maxExclusive - minInclusive);

        private ulong NextUInt64()
        {
            ulong z = _state += 0x9E37_79B9_7F4A_7C15UL;
            z = (z ^ (z >> 30)) * 0xBF58_476D_1CE4_E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D0_49BB_1331_11EBUL;
            return z ^ (z >> 31);
        }
    }

    /// <summary>Counters and the first failure of one run; written by the worker, read after it ends (or on timeout).</summary>
    private sealed class FuzzRun
    {
        private volatile int _iteration = -1;
        private volatile byte[] _input = [];
        private volatile string _context = string.Empty;

        public FuzzRun(ulong seed, string name)
        {
            Seed = seed;
            Name = name;
        }

        public ulong Seed { get; }

        public string Name { get; }

        public string? Failure { get; private set; }

        public string Shape { get; set; } = string.Empty;

        public int Iterations => _iteration + 1;

        public long Frames { get; set; }

        public long Decoded { get; set; }

        public long Rejected { get; set; }

        public long Incomplete { get; set; }

        public Dictionary<ReasonCode, int> ReasonCodes { get; } = [];

        public void Begin(int iteration, byte[] input, string context)
        {
            _input = input;
            _context = context;
            Shape = string.Empty;
            _iteration = iteration;
        }

        public void Reject(MqttProtocolException error)
        {
            Rejected++;
            ReasonCodes[error.ReasonCode] = ReasonCodes.GetValueOrDefault(error.ReasonCode) + 1;
        }

        public void Fail(string what) => Failure ??= $"{what}\nat {Describe()}";

        public string Describe() =>
            $"seed 0x{Seed:X16} (MQTT_FUZZ_SEED), iteration {_iteration}, {_context}, {Shape}\ninput: {Convert.ToHexString(_input)}";
    }
}
