using System.Security.Cryptography;
using MqttHealth.Payloads.Compression;
using MqttHealth.Payloads.Envelope;
using MqttHealth.Payloads.SenderKeys;

namespace MqttHealth.Bench.Payloads;

/// <summary>
/// One sender and one recipient of one epoch: every <see cref="SealAndOpen"/> seals the next message with
/// <see cref="EnvelopeSealer.Seal(ReadOnlySpan{byte}, string, Span{byte}, bool)"/> and opens it in order with
/// <see cref="EnvelopeOpener.TryOpen"/>, into buffers made once (the span API, as a gateway or consumer loop would).
/// Compression, when asked, is the committed dictionary clinical-v1 from the embedded registry, as the SDK's
/// <c>ClinicalSender</c> gets it.
/// </summary>
internal sealed class EnvelopeRoundTrip : IDisposable
{
    public const string Topic = "mh/v1/fac01/icu3/dev-0042/vitals";
    public const string Sender = "dev-0042";

    private readonly ZstdDictionaryRegistry? _registry;
    private readonly ZstdDictionaryCodec? _codec;
    private readonly EnvelopeSealer _sealer;
    private readonly EnvelopeOpener _opener;
    private readonly byte[] _envelope;
    private readonly byte[] _opened;

    public EnvelopeRoundTrip(EnvelopeSuite suite, bool compressed, int maxPlaintextLength)
    {
        if (compressed)
        {
            _registry = ZstdDictionaryRegistry.FromEmbeddedResources();
            _codec = _registry.CreateCodec(1);
        }

        var secret = RandomNumberGenerator.GetBytes(KeyRatchet.SecretLength);
        var store = new SenderKeyStore();
        store.AddEpoch(Sender, 1, secret);
        _sealer = new EnvelopeSealer(SenderKeyState.Create(Sender, 1, secret), new EnvelopeOptions { Suite = suite }, _codec);
        _opener = new EnvelopeOpener(store, _codec is null ? null : [_codec]);
        CryptographicOperations.ZeroMemory(secret);
        _envelope = new byte[_sealer.MaxSealedLength(maxPlaintextLength)];
        _opened = new byte[Math.Max(_envelope.Length, maxPlaintextLength)];
    }

    /// <summary>Messages that went out compressed (the sealer compresses only when that is shorter).</summary>
    public long CompressedCount { get; private set; }

    /// <summary>Sealed bytes, added up (header, padded body, tag).</summary>
    public long SealedBytes { get; private set; }

    /// <summary>Seals <paramref name="plaintext"/> as the next message and opens it; returns the opened length.</summary>
    public int SealAndOpen(ReadOnlySpan<byte> plaintext)
    {
        var length = _sealer.Seal(plaintext, Topic, _envelope);
        var error = _opener.TryOpen(_envelope.AsSpan(0, length), Topic, Sender, _opened, out var opened);
        if (error != EnvelopeError.None || opened.Length != plaintext.Length)
        {
            throw new InvalidOperationException($"Opening sequence {opened.Header.Sequence} gave {error} and {opened.Length} bytes for {plaintext.Length}.");
        }

        SealedBytes += length;
        if (opened.Header.Compressed)
        {
            CompressedCount++;
        }

        return opened.Length;
    }

    /// <summary>Seals and opens once and checks the opened bytes equal the plaintext (outside any timed loop).</summary>
    public void Verify(ReadOnlySpan<byte> plaintext)
    {
        var length = SealAndOpen(plaintext);
        if (!_opened.AsSpan(0, length).SequenceEqual(plaintext))
        {
            throw new InvalidOperationException("The opened plaintext differs from the sealed one.");
        }
    }

    public void Dispose()
    {
        _codec?.Dispose();
        _registry?.Dispose();
    }
}
