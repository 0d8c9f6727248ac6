using MqttHealth.Payloads.Envelope;

namespace MqttHealth.Payloads.Tests.Envelope;

public class EnvelopeAllocationTests
{
    private const int Messages = 2000;

    [Theory]
    [InlineData(EnvelopeSuite.Aes256Gcm, false)]
    [InlineData(EnvelopeSuite.Aes256Gcm, true)]
    [InlineData(EnvelopeSuite.ChaCha20Poly1305, false)]
    public void SealAndOpen_SpanApi_AllocateNothingPerMessage(EnvelopeSuite suite, bool compressed)
    {
        var fixture = new EnvelopeFixture(new EnvelopeOptions { Suite = suite }, compressed ? new RunLengthCompression(1) : null);
        var plaintext = new byte[40];
        var envelope = new byte[256];
        var opened = new byte[256];

        // The first messages make this thread's AEAD and hash contexts, once; after that a key per message is a re-key.
        RunSealAndOpen(fixture, plaintext, envelope, opened, 200);
        var before = GC.GetAllocatedBytesForCurrentThread();
        RunSealAndOpen(fixture, plaintext, envelope, opened, Messages);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.True(allocated < Messages, $"{Messages} seals + opens allocated {allocated} bytes; expected none per message");
    }

    private static void RunSealAndOpen(EnvelopeFixture fixture, byte[] plaintext, byte[] envelope, byte[] opened, int count)
    {
        for (var i = 0; i < count; i++)
        {
            plaintext[0] = (byte)i;
            var length = fixture.Sealer.Seal(plaintext, EnvelopeFixture.Topic, envelope);
            var error = fixture.Opener.TryOpen(envelope.AsSpan(0, length), EnvelopeFixture.Topic, EnvelopeFixture.Sender, opened, out var result);
            if (error != EnvelopeError.None || result.Length != plaintext.Length || opened[0] != (byte)i)
            {
                throw new InvalidOperationException($"message {i}: {error}");
            }
        }
    }
}
