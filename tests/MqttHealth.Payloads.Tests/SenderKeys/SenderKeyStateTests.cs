using System.Security.Cryptography;
using MqttHealth.Payloads.Envelope;
using MqttHealth.Payloads.SenderKeys;
using MqttHealth.Payloads.Tests.Envelope;

namespace MqttHealth.Payloads.Tests.SenderKeys;

public class SenderKeyStateTests
{
    [Fact]
    public void Deserialize_OfSerialize_ResumesAtTheSameSequenceWithTheSameKeys()
    {
        var fixture = new EnvelopeFixture();
        fixture.Sealer.Seal("one"u8, EnvelopeFixture.Topic);
        fixture.Sealer.Seal("two"u8, EnvelopeFixture.Topic);
        var saved = fixture.Sealer.State.Serialize();

        var resumed = new EnvelopeSealer(SenderKeyState.Deserialize(saved));
        var envelope = resumed.Seal("three"u8, EnvelopeFixture.Topic);

        Assert.Equal(3u, resumed.State.NextSequence);
        Assert.Equal("three"u8.ToArray(), fixture.Opener.Open(envelope, EnvelopeFixture.Topic, EnvelopeFixture.Sender));
    }

    [Fact]
    public void Serialize_Layout_IsVersionEpochSequenceChainKeySender()
    {
        var state = SenderKeyState.Create("dev-1", 0x01020304, new byte[32]);
        state.Advance(new byte[44]);

        var bytes = state.Serialize();

        Assert.Equal(1 + 4 + 4 + 32 + 2 + 5, bytes.Length);
        Assert.Equal(new byte[] { 1, 1, 2, 3, 4, 0, 0, 0, 1 }, bytes[..9]);
        Assert.Equal(state.CurrentChainKey.ToArray(), bytes[9..41]);
        Assert.Equal(new byte[] { 0, 5, (byte)'d', (byte)'e', (byte)'v', (byte)'-', (byte)'1' }, bytes[41..]);
    }

    [Theory]
    [InlineData(new byte[0])]
    [InlineData(new byte[] { 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 65 })]
    [InlineData(new byte[] { 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 9, 65 })]
    public void Deserialize_CorruptState_ThrowsInvalidData(byte[] bytes)
    {
        Assert.Throws<InvalidDataException>(() => SenderKeyState.Deserialize(bytes));
    }

    [Fact]
    public void StolenChainKey_CannotDeriveAnyEarlierMessageKey()
    {
        var state = SenderKeyState.Create("dev-1", 1, RandomNumberGenerator.GetBytes(32));
        var earlier = new List<byte[]>();
        for (var i = 0; i < 50; i++)
        {
            var key = new byte[KeyRatchet.MessageKeyLength];
            state.Advance(key);
            earlier.Add(key);
        }

        // What a thief gets: the current chain key. Ratcheting it forward yields only later keys.
        var stolen = state.CurrentChainKey.ToArray();
        var later = new byte[KeyRatchet.MessageKeyLength];
        var laterKeys = new HashSet<string>();
        for (var i = 0; i < 1000; i++)
        {
            KeyRatchet.Step(stolen, later);
            laterKeys.Add(Convert.ToHexString(later));
        }

        Assert.DoesNotContain(earlier, k => laterKeys.Contains(Convert.ToHexString(k)));
        var next = new byte[KeyRatchet.MessageKeyLength];
        state.Advance(next);
        Assert.Contains(Convert.ToHexString(next), laterKeys);
    }

    [Fact]
    public void KeyRatchetStep_InPlace_IsHmacSha512OfTheRatchetLabelSplitInTwo()
    {
        var chainKey = RandomNumberGenerator.GetBytes(32);
        for (var i = 0; i < 3; i++)
        {
            var expected = HMACSHA512.HashData(chainKey, "mqtthealth/v1/ratchet"u8);
            var messageKey = new byte[KeyRatchet.MessageKeyLength];
            KeyRatchet.Step(chainKey, messageKey);
            Assert.Equal(Convert.ToHexString(expected[..32]), Convert.ToHexString(chainKey));
            Assert.Equal(Convert.ToHexString(expected[32..]), Convert.ToHexString(messageKey));
        }
    }

    [Fact]
    public void KeyRatchetStep_ManyThreads_EachGetsTheHmacOfItsOwnChainKey()
    {
        var mismatches = 0;
        Parallel.For(0, 64, _ =>
        {
            var chainKey = RandomNumberGenerator.GetBytes(32);
            for (var i = 0; i < 50; i++)
            {
                var expected = HMACSHA512.HashData(chainKey, "mqtthealth/v1/ratchet"u8);
                var messageKey = new byte[KeyRatchet.MessageKeyLength];
                KeyRatchet.Step(chainKey, messageKey);
                if (!expected.AsSpan(32).SequenceEqual(messageKey) || !expected.AsSpan(0, 32).SequenceEqual(chainKey))
                {
                    Interlocked.Increment(ref mismatches);
                }
            }
        });

        Assert.Equal(0, mismatches);
    }

    [Fact]
    public void Advance_ExhaustedEpoch_RefusesToSeal()
    {
        var saved = SenderKeyState.Create("dev-1", 1, new byte[32]).Serialize();
        saved[5] = saved[6] = saved[7] = saved[8] = 0xFF;
        var sealer = new EnvelopeSealer(SenderKeyState.Deserialize(saved));

        Assert.True(sealer.State.Exhausted);
        Assert.Throws<InvalidOperationException>(() => sealer.Seal("x"u8, "mh/v1/t"));
    }

    [Fact]
    public void Erase_ThenSeal_Refused()
    {
        var state = SenderKeyState.Create("dev-1", 1, RandomNumberGenerator.GetBytes(32));

        state.Erase();

        Assert.True(state.CurrentChainKey.ToArray().All(b => b == 0));
        Assert.Throws<InvalidOperationException>(() => new EnvelopeSealer(state).Seal("x"u8, "mh/v1/t"));
    }
}
