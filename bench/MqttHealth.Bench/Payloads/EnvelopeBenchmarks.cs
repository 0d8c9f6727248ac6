using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using MqttHealth.Payloads.Envelope;
using MqttHealth.Payloads.SenderKeys;

namespace MqttHealth.Bench.Payloads;

/// <summary>
/// Seal and open of one sealed envelope (a 32-byte body, as a compressed vital-sign sample set, padded), with the parts
/// that make up its cost: one ratchet step (HMAC-SHA512 from two SHA-512 hashes on a reused IncrementalHash) and creating
/// the AEAD context for a message's key. Every message has its own key, so seal and open each do one step and create one
/// context. Beside them, the HKDF-Expand of 76 bytes that the step was before, and a one-shot HMAC-SHA512, for comparison.
/// </summary>
[MemoryDiagnoser]
public class EnvelopeBenchmarks
{
    private const string Topic = "mh/v1/fac01/icu3/dev0042/vitals";
    private const string Sender = "dev-0042";
    private readonly byte[] _plaintext = new byte[32];
    private readonly byte[] _envelope = new byte[128];
    private readonly byte[] _opened = new byte[128];
    private readonly byte[] _chainKey = new byte[32];
    private readonly byte[] _okm = new byte[76];
    private readonly byte[] _hmac = new byte[64];
    private readonly byte[] _messageKey = new byte[KeyRatchet.MessageKeyLength];
    private readonly byte[] _key = new byte[32];
    private EnvelopeSealer _sealer = null!;
    private EnvelopeOpener _opener = null!;

    [Params(EnvelopeSuite.Aes256Gcm, EnvelopeSuite.ChaCha20Poly1305)]
    public EnvelopeSuite Suite { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var secret = RandomNumberGenerator.GetBytes(32);
        var store = new SenderKeyStore();
        store.AddEpoch(Sender, 1, secret);
        _sealer = new EnvelopeSealer(SenderKeyState.Create(Sender, 1, secret), new EnvelopeOptions { Suite = Suite });
        _opener = new EnvelopeOpener(store);
        RandomNumberGenerator.Fill(_chainKey);
    }

    /// <summary>One message sealed by the sender and opened by a recipient, in order (sequence numbers advance).</summary>
    [Benchmark]
    public int SealAndOpen()
    {
        var length = _sealer.Seal(_plaintext, Topic, _envelope);
        var error = _opener.TryOpen(_envelope.AsSpan(0, length), Topic, Sender, _opened, out var opened);
        return error == EnvelopeError.None ? opened.Length : throw new InvalidOperationException(error.ToString());
    }

    /// <summary>One ratchet step as the envelope does it: HMAC-SHA512(CK, label) giving CK' and the message key.</summary>
    [Benchmark]
    public void RatchetStep() => KeyRatchet.Step(_chainKey, _messageKey);

    /// <summary>The ratchet step before: HKDF-Expand(SHA-256) of 76 bytes (CK', key, IV).</summary>
    [Benchmark]
    public void RatchetStepHkdfExpand76() => HKDF.Expand(HashAlgorithmName.SHA256, _chainKey, _okm, "mqtthealth/v1/ratchet"u8);

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
