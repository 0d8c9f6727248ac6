using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using MqttHealth.Payloads.Envelope;
using MqttHealth.Payloads.SenderKeys;

namespace MqttHealth.Payloads.Tests.Envelope;

/// <summary>
/// The inputs of docs/envelope-test-vectors.json and the code that computes every other field from them with the
/// library. Regenerate the file with MQTTHEALTH_WRITE_ENVELOPE_VECTORS=1 (the signature then changes, ECDSA being
/// randomized; everything else is deterministic).
/// </summary>
internal static class EnvelopeTestVectors
{
    public const string FileName = "envelope-test-vectors.json";

    // The vectors' own signing key, generated once for them (never used for anything else).
    public const string SigningPrivateKey = "6fce914b7818d12cf48b22f5710f7b9045c748102fc57b161ec6254ab34b83fb";

    private const string SecretA = "7e8e864e279398300af213e9fa2eeb163a2b2b2e31d6aa5d4bf8a22cf35b5d5c";
    private const string SecretB = "2b46047b70731124e5794c772ea440348056a88a1b3c17061aa939b1457f1e16";
    private const string Vitals = "mh/v1/fac01/icu3/dev0042/vitals";

    public sealed record Input(string Name, EnvelopeSuite Suite, string EpochSecret, string SenderId, uint Epoch, uint Sequence, string Topic, byte[] Plaintext, byte DictionaryId, int[]? PaddingBuckets, bool Signed);

    public static IReadOnlyList<Input> Inputs { get; } =
    [
        new("aes-256-gcm, unpadded, sequence 0", EnvelopeSuite.Aes256Gcm, SecretA, "dev-0042", 1, 0, Vitals, "hr=72;spo2=98"u8.ToArray(), 0, null, false),
        new("aes-256-gcm, default buckets, sequence 5", EnvelopeSuite.Aes256Gcm, SecretA, "dev-0042", 1, 5, Vitals, "hr=72;spo2=98;rr=14;t=36.8"u8.ToArray(), 0, [.. PaddingBuckets.Default.Sizes], false),
        new("chacha20-poly1305, default buckets, epoch 300, sequence 200", EnvelopeSuite.ChaCha20Poly1305, SecretB, "dev-0042", 300, 200, Vitals, [.. Enumerable.Range(0, 41).Select(i => (byte)i)], 0, [.. PaddingBuckets.Default.Sizes], false),
        new("aes-256-gcm, empty plaintext, buckets 16 and 32, sequence 16383", EnvelopeSuite.Aes256Gcm, SecretB, "gw-rural-07", 0, 16383, "mh/v1/fac02/ward1/gw07/status", [], 0, [16, 32], false),
        new("aes-256-gcm, compressed with dictionary 1 (in the flags), default buckets, sequence 2", EnvelopeSuite.Aes256Gcm, SecretA, "dev-0042", 2, 2, Vitals, Encoding.ASCII.GetBytes(new string('a', 30) + new string('b', 10)), 1, [.. PaddingBuckets.Default.Sizes], false),
        new("chacha20-poly1305, compressed with dictionary 7 (id byte), unpadded, sequence 130", EnvelopeSuite.ChaCha20Poly1305, SecretA, "dev-0042", 2, 130, Vitals, Encoding.ASCII.GetBytes(new string('x', 100)), 7, null, false),
        new("aes-256-gcm, signed alarm, default buckets, sequence 9", EnvelopeSuite.Aes256Gcm, SecretA, "dev-0042", 1, 9, "mh/v1/fac01/icu3/dev0042/alarms", "ALARM spo2<85 high"u8.ToArray(), 0, [.. PaddingBuckets.Default.Sizes], true),
    ];

    public static string RepositoryPath(string relative, [CallerFilePath] string source = "")
    {
        var directory = new DirectoryInfo(Path.GetDirectoryName(source)!);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "MqttHealth.sln")))
        {
            directory = directory.Parent;
        }

        return Path.Combine(directory?.FullName ?? throw new DirectoryNotFoundException("MqttHealth.sln not found above " + source), relative);
    }

    public static ECDsa SigningKey()
    {
        var key = ECDsa.Create();
        key.ImportParameters(new ECParameters { Curve = ECCurve.NamedCurves.nistP256, D = Convert.FromHexString(SigningPrivateKey) });
        return key;
    }

    public static string PublicKeyHex(ECDsa key)
    {
        var q = key.ExportParameters(false).Q;
        return Hex([0x04, .. q.X!, .. q.Y!]);
    }

    /// <summary>Seals one vector's input with the library; the envelope of a signed vector includes a fresh signature.</summary>
    public static byte[] SealWithLibrary(Input input, ECDsa? signingKey)
    {
        var state = SenderKeyState.Create(input.SenderId, input.Epoch, Convert.FromHexString(input.EpochSecret));
        var skipped = new byte[KeyRatchet.MessageKeyLength];
        for (var i = 0u; i < input.Sequence; i++)
        {
            state.Advance(skipped);
        }

        var options = new EnvelopeOptions { Suite = input.Suite, Padding = input.PaddingBuckets is null ? null : new PaddingBuckets(input.PaddingBuckets) };
        var sealer = new EnvelopeSealer(state, options, input.DictionaryId == 0 ? null : new RunLengthCompression(input.DictionaryId), signingKey);
        return sealer.Seal(input.Plaintext, input.Topic, input.Signed);
    }

    public static byte[]? CompressedBody(Input input)
    {
        if (input.DictionaryId == 0)
        {
            return null;
        }

        var body = new byte[input.Plaintext.Length * 2];
        return body[..new RunLengthCompression(input.DictionaryId).Compress(input.Plaintext, body)];
    }

    public static JsonObject Compute(Input input, ECDsa signingKey)
    {
        var compressed = CompressedBody(input);
        var reference = ReferenceEnvelope.Seal((int)input.Suite, Convert.FromHexString(input.EpochSecret), input.SenderId, input.Epoch, input.Sequence, input.Topic, compressed ?? input.Plaintext, input.DictionaryId, input.PaddingBuckets, input.Signed);
        var vector = new JsonObject
        {
            ["name"] = input.Name,
            ["suite"] = input.Suite == EnvelopeSuite.Aes256Gcm ? "AES-256-GCM" : "ChaCha20-Poly1305",
            ["epochSecret"] = input.EpochSecret,
            ["senderId"] = input.SenderId,
            ["epoch"] = input.Epoch,
            ["sequence"] = input.Sequence,
            ["topic"] = input.Topic,
            ["plaintext"] = Hex(input.Plaintext),
            ["dictionaryId"] = input.DictionaryId,
            ["compressedBody"] = compressed is null ? null : Hex(compressed),
            ["paddingBuckets"] = input.PaddingBuckets is null ? null : new JsonArray([.. input.PaddingBuckets.Select(b => (JsonNode)b)]),
            ["signed"] = input.Signed,
            ["chainKey0"] = Hex(reference.ChainKey0),
            ["chainKey"] = Hex(reference.ChainKey),
            ["nextChainKey"] = Hex(reference.NextChainKey),
            ["aeadKey"] = Hex(reference.AeadKey),
            ["nonce"] = Hex(reference.Nonce),
            ["header"] = Hex(reference.Header),
            ["associatedData"] = Hex(reference.AssociatedData),
            ["paddedBody"] = Hex(reference.PaddedBody),
        };

        var envelope = SealWithLibrary(input, input.Signed ? signingKey : null);
        if (input.Signed)
        {
            vector["envelopeWithoutSignature"] = Hex(envelope.AsSpan(0, envelope.Length - EnvelopeConstants.SignatureLength));
            vector["signingPublicKey"] = PublicKeyHex(signingKey);
            vector["signingPrivateKey"] = SigningPrivateKey;
            vector["signature"] = Hex(envelope.AsSpan(envelope.Length - EnvelopeConstants.SignatureLength));
            vector["envelope"] = Hex(envelope);
        }
        else
        {
            vector["envelope"] = Hex(envelope);
        }

        return vector;
    }

    public static string Generate()
    {
        using var signingKey = SigningKey();
        var root = new JsonObject
        {
            ["description"] = "Test vectors of the MqttHealth sealed envelope, version 1 (docs/envelope.md). Hex is lowercase. " +
                "Inputs: suite, epochSecret, senderId, epoch, sequence, topic, plaintext, dictionaryId, compressedBody, paddingBuckets, signed. " +
                "Every other field is derived; check them in order to find where an implementation departs.",
            ["derivation"] = "chainKey0 = HKDF-SHA256(epochSecret, no salt, \"mqtthealth/v1/chain\" || u16be(len senderId) || senderId || u32be(epoch), 32); " +
                "per sequence n from 0: OKM = HMAC-SHA512(chainKey_n, \"mqtthealth/v1/ratchet\"), nextChainKey = OKM[0..32], aeadKey = OKM[32..64]; " +
                "nonce = 00000000 || u64be(sequence).",
            ["compression"] = "Vectors with a dictionaryId give compressedBody: the body exactly as the compression step produced it. " +
                "It comes from a stand-in run-length coder of the test suite ((count, byte) pairs), not zstd, so that no vector needs zstd: " +
                "start from compressedBody instead of compressing the plaintext.",
            ["signatures"] = "ECDSA is randomized: a signed vector gives envelopeWithoutSignature (deterministic, compare it byte for byte) and one valid " +
                "signature (r || s over associatedData || ciphertext || tag with SHA-256), which verifies under signingPublicKey (uncompressed point).",
            ["vectors"] = new JsonArray([.. Inputs.Select(i => (JsonNode)Compute(i, signingKey))]),
        };
        return root.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n";
    }

    public static string Hex(ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(bytes);
}
