using System.Security.Cryptography;
using MqttHealth.Payloads.Envelope;
using MqttHealth.Payloads.SenderKeys;
using MqttHealth.Payloads.Tests.Envelope;

namespace MqttHealth.Payloads.Tests.SenderKeys;

public class SenderKeyStoreTests
{
    private static List<byte[]> SealMany(EnvelopeFixture fixture, int count)
    {
        var envelopes = new List<byte[]>();
        for (var i = 0; i < count; i++)
        {
            envelopes.Add(fixture.Sealer.Seal([(byte)i, (byte)(i >> 8)], EnvelopeFixture.Topic));
        }

        return envelopes;
    }

    [Fact]
    public void Open_SameEnvelopeTwice_SecondIsRejectedAsDuplicate()
    {
        var fixture = new EnvelopeFixture();
        var envelope = fixture.Sealer.Seal("hr=72"u8, EnvelopeFixture.Topic);

        Assert.Equal(EnvelopeError.None, fixture.TryOpen(envelope));
        Assert.Equal(EnvelopeError.Duplicate, fixture.TryOpen(envelope));
    }

    [Fact]
    public void Open_ReplayOfAnOlderInOrderMessage_RejectedAsDuplicate()
    {
        var fixture = new EnvelopeFixture();
        var envelopes = SealMany(fixture, 3000);
        foreach (var envelope in envelopes)
        {
            Assert.Equal(EnvelopeError.None, fixture.TryOpen(envelope));
        }

        Assert.Equal(EnvelopeError.Duplicate, fixture.TryOpen(envelopes[0]));
        Assert.Equal(EnvelopeError.Duplicate, fixture.TryOpen(envelopes[2998]));
    }

    [Fact]
    public void Open_OutOfOrderWithinTheWindow_EveryMessageOpensOnce()
    {
        var fixture = new EnvelopeFixture();
        var envelopes = SealMany(fixture, 600);
        var order = Enumerable.Range(0, envelopes.Count).ToArray();
        new Random(7).Shuffle(order.AsSpan(0, 500));
        // The last 100 arrive in reverse: message 599 first skips 99 keys.
        Array.Reverse(order, 500, 100);

        foreach (var index in order)
        {
            var destination = new byte[64];
            Assert.Equal(EnvelopeError.None, fixture.Opener.TryOpen(envelopes[index], EnvelopeFixture.Topic, EnvelopeFixture.Sender, destination, out var opened));
            Assert.Equal(index, destination[0] | (destination[1] << 8));
            Assert.Equal((uint)index, opened.Header.Sequence);
        }

        Assert.Equal(0, fixture.Store.SkippedKeyCount(EnvelopeFixture.Sender, EnvelopeFixture.Epoch));
        Assert.All(envelopes, e => Assert.Equal(EnvelopeError.Duplicate, fixture.TryOpen(e)));
    }

    [Fact]
    public void Open_JumpOfExactlyMaxForwardJump_OpensAndAllSkippedRemainOpenable()
    {
        var fixture = new EnvelopeFixture();
        var envelopes = SealMany(fixture, SenderKeyStore.MaxForwardJump + 1);

        Assert.Equal(EnvelopeError.None, fixture.TryOpen(envelopes[^1]));
        Assert.Equal(SenderKeyStore.MaxSkippedKeys, fixture.Store.SkippedKeyCount(EnvelopeFixture.Sender, EnvelopeFixture.Epoch));
        Assert.Equal(EnvelopeError.None, fixture.TryOpen(envelopes[0]));
        Assert.Equal(EnvelopeError.None, fixture.TryOpen(envelopes[^2]));
    }

    [Fact]
    public void Open_BeyondTheMaxForwardJump_RejectedAsTooFarAheadWithoutChangingState()
    {
        var fixture = new EnvelopeFixture();
        var envelopes = SealMany(fixture, SenderKeyStore.MaxForwardJump + 3);
        Assert.Equal(EnvelopeError.None, fixture.TryOpen(envelopes[0]));

        Assert.Equal(EnvelopeError.TooFarAhead, fixture.TryOpen(envelopes[^1]));
        Assert.Equal(1ul, fixture.Store.NextSequence(EnvelopeFixture.Sender, EnvelopeFixture.Epoch));
        Assert.Equal(EnvelopeError.None, fixture.TryOpen(envelopes[1]));
        Assert.Equal(EnvelopeError.None, fixture.TryOpen(envelopes[^1]));
    }

    [Fact]
    public void Open_LateJoinerFirstMessageFarIntoTheEpoch_OpensAndKeepsTheLastWindowOfKeys()
    {
        var fixture = new EnvelopeFixture();
        var skip = new byte[KeyRatchet.MessageKeyLength];
        for (var i = 0; i < 3000; i++)
        {
            fixture.Sealer.State.Advance(skip);
        }

        var early = fixture.Sealer.Seal("3000"u8, EnvelopeFixture.Topic);
        for (var i = 3001; i < 4500; i++)
        {
            fixture.Sealer.State.Advance(skip);
        }

        var late = fixture.Sealer.Seal("4500"u8, EnvelopeFixture.Topic);
        for (var i = 4501; i < 5000; i++)
        {
            fixture.Sealer.State.Advance(skip);
        }

        var first = fixture.Sealer.Seal("5000"u8, EnvelopeFixture.Topic);

        Assert.Equal(EnvelopeError.None, fixture.TryOpen(first));
        Assert.Equal(EnvelopeError.OutsideWindow, fixture.TryOpen(early));
        Assert.Equal(EnvelopeError.None, fixture.TryOpen(late));
        Assert.Equal(SenderKeyStore.MaxSkippedKeys - 1, fixture.Store.SkippedKeyCount(EnvelopeFixture.Sender, EnvelopeFixture.Epoch));
    }

    [Fact]
    public void Open_FirstMessageBeyondTheMaxInitialJump_RejectedAsTooFarAhead()
    {
        var fixture = new EnvelopeFixture();
        var skip = new byte[KeyRatchet.MessageKeyLength];
        for (var i = 0; i <= SenderKeyStore.MaxInitialJump; i++)
        {
            fixture.Sealer.State.Advance(skip);
        }

        var envelope = fixture.Sealer.Seal("far"u8, EnvelopeFixture.Topic);

        Assert.Equal(EnvelopeError.TooFarAhead, fixture.TryOpen(envelope));
    }

    [Fact]
    public void Open_SkippedKeyPushedOutOfTheWindow_RejectedAsOutsideWindow()
    {
        var fixture = new EnvelopeFixture();
        var envelopes = SealMany(fixture, 2 * SenderKeyStore.MaxSkippedKeys + 10);
        // Message 0 is skipped; two jumps of 1,024 push its key out of the window of 1,024 skipped keys.
        Assert.Equal(EnvelopeError.None, fixture.TryOpen(envelopes[SenderKeyStore.MaxForwardJump]));
        Assert.Equal(EnvelopeError.None, fixture.TryOpen(envelopes[2 * SenderKeyStore.MaxForwardJump + 1]));

        Assert.Equal(EnvelopeError.OutsideWindow, fixture.TryOpen(envelopes[0]));
        Assert.Equal(EnvelopeError.Duplicate, fixture.TryOpen(envelopes[SenderKeyStore.MaxForwardJump]));
        Assert.Equal(EnvelopeError.None, fixture.TryOpen(envelopes[SenderKeyStore.MaxForwardJump + 1]));
        Assert.Equal(EnvelopeError.Duplicate, fixture.TryOpen(envelopes[SenderKeyStore.MaxForwardJump + 1]));
        Assert.True(fixture.Store.SkippedKeyCount(EnvelopeFixture.Sender, EnvelopeFixture.Epoch) <= SenderKeyStore.MaxSkippedKeys);
    }

    [Fact]
    public void Open_ForgedMessageAtAFutureSequence_DoesNotAdvanceTheChain()
    {
        var fixture = new EnvelopeFixture();
        var envelopes = SealMany(fixture, 10);
        var forged = (byte[])envelopes[9].Clone();
        forged[^1] ^= 1;

        Assert.Equal(EnvelopeError.AuthenticationFailed, fixture.TryOpen(forged));
        Assert.Equal(0ul, fixture.Store.NextSequence(EnvelopeFixture.Sender, EnvelopeFixture.Epoch));
        Assert.Equal(0, fixture.Store.SkippedKeyCount(EnvelopeFixture.Sender, EnvelopeFixture.Epoch));
    }

    [Fact]
    public void AddEpoch_SameSecretAgain_KeepsTheReplayState()
    {
        var fixture = new EnvelopeFixture();
        var envelope = fixture.Sealer.Seal("hr=72"u8, EnvelopeFixture.Topic);
        Assert.Equal(EnvelopeError.None, fixture.TryOpen(envelope));

        fixture.Store.AddEpoch(EnvelopeFixture.Sender, EnvelopeFixture.Epoch, fixture.Secret);

        Assert.Equal(EnvelopeError.Duplicate, fixture.TryOpen(envelope));
    }

    [Fact]
    public void AddEpoch_DifferentSecretForAKnownEpoch_Refused()
    {
        var fixture = new EnvelopeFixture();

        Assert.Throws<InvalidOperationException>(() => fixture.Store.AddEpoch(EnvelopeFixture.Sender, EnvelopeFixture.Epoch, RandomNumberGenerator.GetBytes(32)));
    }

    [Fact]
    public void AddEpoch_SecretNot32Bytes_Refused()
    {
        var store = new SenderKeyStore();

        Assert.Throws<ArgumentException>(() => store.AddEpoch("dev-1", 1, new byte[16]));
    }

    [Fact]
    public void RemoveEpoch_ThenOpen_RejectedAsUnknownEpoch()
    {
        var fixture = new EnvelopeFixture();
        var envelope = fixture.Sealer.Seal("hr=72"u8, EnvelopeFixture.Topic);

        Assert.True(fixture.Store.RemoveEpoch(EnvelopeFixture.Sender, EnvelopeFixture.Epoch));

        Assert.Equal(EnvelopeError.UnknownEpoch, fixture.TryOpen(envelope));
    }

    [Fact]
    public void Open_ConcurrentOpensOfShuffledMessages_EachOpensExactlyOnce()
    {
        var fixture = new EnvelopeFixture();
        var envelopes = SealMany(fixture, 400);
        var deliveries = envelopes.Concat(envelopes).ToArray();
        new Random(3).Shuffle(deliveries);
        var opened = 0;
        var duplicates = 0;

        Parallel.ForEach(deliveries, envelope =>
        {
            var error = fixture.TryOpen(envelope);
            if (error == EnvelopeError.None)
            {
                Interlocked.Increment(ref opened);
            }
            else if (error == EnvelopeError.Duplicate)
            {
                Interlocked.Increment(ref duplicates);
            }
        });

        // 400 messages never jump past the window, so each opens exactly once and its second delivery is a duplicate.
        Assert.Equal(envelopes.Count, opened);
        Assert.Equal(envelopes.Count, duplicates);
    }
}
