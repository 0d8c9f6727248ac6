using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using MqttHealth.Payloads.Compression;
using MqttHealth.Payloads.Crypto;
using MqttHealth.Payloads.Envelope;
using MqttHealth.Payloads.SenderKeys;

namespace MqttHealth.Bench.Payloads;

/// <summary>
/// Seal and open of one envelope, in order, through the span API: a 32-byte body without compression, and the single
/// sample sets of the held-out corpus with the committed dictionary (clinical-v1, where it is shorter), default
/// padding. Beside them the parts that make up the cost. Every message has its own key, so seal and open each do one
/// ratchet step and one AEAD operation under a new key: the step (HMAC-SHA512 from two SHA-512 on a reused OpenSSL
/// digest context) with .NET's one-shot HMAC-SHA512 for comparison; the AEAD operation on an OpenSSL context re-keyed
/// per message, with what .NET's API costs for the same (a new context per key) for comparison; and the dictionary
/// compression of a sample set both ways.
/// </summary>
[MemoryDiagnoser]
public class EnvelopeBenchmarks : IDisposable
{
    private const int AssociatedDataLength = 50; // about a vitals topic, sender id and header
    private readonly byte[] _plaintext = new byte[32];
    private readonly byte[] _ciphertext = new byte[32];
    private readonly byte[] _tag = new byte[16];
    private readonly byte[] _nonce = new byte[12];
    private readonly byte[] _associatedData = new byte[AssociatedDataLength];
    private readonly byte[] _chainKey = new byte[32];
    private readonly byte[] _hmac = new byte[64];
    private readonly byte[] _messageKey = new byte[KeyRatchet.MessageKeyLength];
    private readonly byte[] _key = new byte[32];
    private readonly byte[] _frame = new byte[256];
    private readonly byte[] _decompressed = new byte[256];
    private EnvelopeRoundTrip? _uncompressed;
    private EnvelopeRoundTrip? _compressed;
    private OpenSslAead? _aead;
    private ZstdDictionaryRegistry? _registry;
    private ZstdDictionaryCodec? _codec;
    private IReadOnlyList<byte[]> _sampleSets = [];
    private int _nextSampleSet;
    private int _frameLength;

    [Params(EnvelopeSuite.Aes256Gcm, EnvelopeSuite.ChaCha20Poly1305)]
    public EnvelopeSuite Suite { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var sampleSets = EnvelopeWorkload.SampleSets();
        _sampleSets = sampleSets.Plaintexts;
        _uncompressed = new EnvelopeRoundTrip(Suite, compressed: false, _plaintext.Length);
        _compressed = new EnvelopeRoundTrip(Suite, compressed: true, sampleSets.MaxLength);
        _aead = Suite == EnvelopeSuite.Aes256Gcm ? OpenSslAead.CreateAes256Gcm() : OpenSslAead.CreateChaCha20Poly1305();
        _registry = ZstdDictionaryRegistry.FromEmbeddedResources();
        _codec = _registry.CreateCodec(1);
        _frameLength = _codec.Compress(_sampleSets[0], _frame);
        RandomNumberGenerator.Fill(_chainKey);
        RandomNumberGenerator.Fill(_key);
    }

    [GlobalCleanup]
    public void Dispose()
    {
        _uncompressed?.Dispose();
        _compressed?.Dispose();
        _aead?.Dispose();
        _codec?.Dispose();
        _registry?.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>A 32-byte body sealed without compression and opened (sequence numbers advance).</summary>
    [Benchmark]
    public int SealAndOpen() => _uncompressed!.SealAndOpen(_plaintext);

    /// <summary>The next sample set of the held-out corpus sealed with clinical-v1 (where shorter) and opened.</summary>
    [Benchmark]
    public int SealAndOpenSampleSetCompressed()
    {
        var plaintext = _sampleSets[_nextSampleSet];
        _nextSampleSet = _nextSampleSet + 1 == _sampleSets.Count ? 0 : _nextSampleSet + 1;
        return _compressed!.SealAndOpen(plaintext);
    }

    /// <summary>One ratchet step as the envelope does it: HMAC-SHA512(CK, label) giving CK' and the message key.</summary>
    [Benchmark]
    public void RatchetStep() => KeyRatchet.Step(_chainKey, _messageKey);

    /// <summary>The same HMAC-SHA512 through .NET's one-shot (an OpenSSL MAC context per call), for comparison.</summary>
    [Benchmark]
    public void HmacSha512OneShot() => HMACSHA512.HashData(_chainKey, "mqtthealth/v1/ratchet"u8, _hmac);

    /// <summary>One AEAD seal of 32 bytes under a new key on the reused OpenSSL context (re-key, seal, wipe).</summary>
    [Benchmark]
    public void AeadSealRekeyed()
    {
        _key[0]++;
        _aead!.Encrypt(_key, _nonce, _plaintext, _ciphertext, _tag, _associatedData);
    }

    /// <summary>The same seal through .NET's API as before: a new AesGcm / ChaCha20Poly1305 for the key, then disposed.</summary>
    [Benchmark]
    public void AeadSealNewDotNetContext()
    {
        _key[0]++;
        if (Suite == EnvelopeSuite.Aes256Gcm)
        {
            using var aes = new AesGcm(_key, 16);
            aes.Encrypt(_nonce, _plaintext, _ciphertext, _tag, _associatedData);
        }
        else
        {
            using var chacha = new ChaCha20Poly1305(_key);
            chacha.Encrypt(_nonce, _plaintext, _ciphertext, _tag, _associatedData);
        }
    }

    /// <summary>Compressing one sample set with clinical-v1 (what the sealer tries for every compressed message).</summary>
    [Benchmark]
    public int CompressSampleSet() => _codec!.Compress(_sampleSets[0], _frame);

    /// <summary>Decompressing that sample set's frame.</summary>
    [Benchmark]
    public int DecompressSampleSet() => _codec!.Decompress(_frame.AsSpan(0, _frameLength), _decompressed);
}
