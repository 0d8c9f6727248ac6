using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using MqttHealth.Payloads.Envelope;
using MqttHealth.Payloads.SenderKeys;

namespace MqttHealth.Bench.Payloads;

/// <summary>
/// Seal and open of one envelope, in order, through the span API: a 32-byte body without compression, and the single
/// sample sets of the held-out corpus with the committed dictionary (clinical-v1, where it is shorter), default
/// padding. Beside them the parts that make up the cost: one ratchet step (HMAC-SHA512 from two SHA-512 hashes on a
/// reused IncrementalHash), .NET's one-shot HMAC-SHA512 for comparison, and creating the AEAD context of a key.
/// Every message has its own key, so seal and open each do one step and create one context.
/// </summary>
[MemoryDiagnoser]
public class EnvelopeBenchmarks : IDisposable
{
    private readonly byte[] _plaintext = new byte[32];
    private readonly byte[] _chainKey = new byte[32];
    private readonly byte[] _hmac = new byte[64];
    private readonly byte[] _messageKey = new byte[KeyRatchet.MessageKeyLength];
    private readonly byte[] _key = new byte[32];
    private EnvelopeRoundTrip _uncompressed = null!;
    private EnvelopeRoundTrip _compressed = null!;
    private IReadOnlyList<byte[]> _sampleSets = [];
    private int _nextSampleSet;

    [Params(EnvelopeSuite.Aes256Gcm, EnvelopeSuite.ChaCha20Poly1305)]
    public EnvelopeSuite Suite { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var sampleSets = EnvelopeWorkload.SampleSets();
        _sampleSets = sampleSets.Plaintexts;
        _uncompressed = new EnvelopeRoundTrip(Suite, compressed: false, _plaintext.Length);
        _compressed = new EnvelopeRoundTrip(Suite, compressed: true, sampleSets.MaxLength);
        RandomNumberGenerator.Fill(_chainKey);
    }

    [GlobalCleanup]
    public void Dispose()
    {
        _uncompressed?.Dispose();
        _compressed?.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>A 32-byte body sealed without compression and opened (sequence numbers advance).</summary>
    [Benchmark]
    public int SealAndOpen() => _uncompressed.SealAndOpen(_plaintext);

    /// <summary>The next sample set of the held-out corpus sealed with clinical-v1 (where shorter) and opened.</summary>
    [Benchmark]
    public int SealAndOpenSampleSetCompressed()
    {
        var plaintext = _sampleSets[_nextSampleSet];
        _nextSampleSet = _nextSampleSet + 1 == _sampleSets.Count ? 0 : _nextSampleSet + 1;
        return _compressed.SealAndOpen(plaintext);
    }

    /// <summary>One ratchet step as the envelope does it: HMAC-SHA512(CK, label) giving CK' and the message key.</summary>
    [Benchmark]
    public void RatchetStep() => KeyRatchet.Step(_chainKey, _messageKey);

    /// <summary>The same HMAC-SHA512 as RatchetStep through .NET's one-shot (an OpenSSL MAC context per call).</summary>
    [Benchmark]
    public void HmacSha512OneShot() => HMACSHA512.HashData(_chainKey, "mqtthealth/v1/ratchet"u8, _hmac);

    /// <summary>Creating and disposing the AEAD context of a key (what a per-message key costs beyond deriving it).</summary>
    [Benchmark]
    public void CreateAeadContext()
    {
        if (Suite == EnvelopeSuite.Aes256Gcm)
        {
            using var aes = new AesGcm(_key, 16);
        }
        else
        {
            using var chacha = new ChaCha20Poly1305(_key);
        }
    }
}
