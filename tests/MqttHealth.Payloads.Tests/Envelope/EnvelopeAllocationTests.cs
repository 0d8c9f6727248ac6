using System.Diagnostics;
using System.Security.Cryptography;
using MqttHealth.Payloads.Envelope;

namespace MqttHealth.Payloads.Tests.Envelope;

public class EnvelopeAllocationTests
{
    private const int Messages = 2000;

    [Theory]
    [InlineData(EnvelopeSuite.Aes256Gcm, false)]
    [InlineData(EnvelopeSuite.Aes256Gcm, true)]
    [InlineData(EnvelopeSuite.ChaCha20Poly1305, false)]
    public void SealAndOpen_SpanApi_AllocateNothingButTheAeadContextOfEachMessageKey(EnvelopeSuite suite, bool compressed)
    {
        var fixture = new EnvelopeFixture(new EnvelopeOptions { Suite = suite }, compressed ? new RunLengthCompression(1) : null);
        var plaintext = new byte[40];
        var envelope = new byte[256];
        var opened = new byte[256];
        var perContext = AeadContextBytes(suite);

        RunSealAndOpen(fixture, plaintext, envelope, opened, 200);
        var before = GC.GetAllocatedBytesForCurrentThread();
        RunSealAndOpen(fixture, plaintext, envelope, opened, Messages);
        var perMessage = (GC.GetAllocatedBytesForCurrentThread() - before) / (double)Messages;

        // One context per seal, one per open; .NET cannot re-key one, and each message has its own key.
        Assert.True(perMessage <= 2 * perContext, $"seal + open allocated {perMessage} bytes per message; two AEAD contexts are {2 * perContext}");
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

    private static double AeadContextBytes(EnvelopeSuite suite)
    {
        var key = new byte[32];
        for (var round = 0; round < 2; round++)
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            for (var i = 0; i < Messages; i++)
            {
                if (suite == EnvelopeSuite.Aes256Gcm)
                {
                    using var aes = new AesGcm(key, 16);
                }
                else
                {
                    using var chacha = new ChaCha20Poly1305(key);
                }
            }

            if (round == 1)
            {
                return (GC.GetAllocatedBytesForCurrentThread() - before) / (double)Messages;
            }
        }

        throw new UnreachableException();
    }
}
