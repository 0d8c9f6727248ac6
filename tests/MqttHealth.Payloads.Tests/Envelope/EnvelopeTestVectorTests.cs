using System.Security.Cryptography;
using System.Text.Json.Nodes;
using MqttHealth.Payloads.Envelope;
using MqttHealth.Payloads.SenderKeys;

namespace MqttHealth.Payloads.Tests.Envelope;

public class EnvelopeTestVectorTests
{
    private static readonly string VectorFile = EnvelopeTestVectors.RepositoryPath(Path.Combine("docs", EnvelopeTestVectors.FileName));

    private static JsonArray CommittedVectors()
    {
        if (Environment.GetEnvironmentVariable("MQTTHEALTH_WRITE_ENVELOPE_VECTORS") == "1")
        {
            File.WriteAllText(VectorFile, EnvelopeTestVectors.Generate());
        }

        return JsonNode.Parse(File.ReadAllText(VectorFile))!["vectors"]!.AsArray();
    }

    [Fact]
    public void TestVectors_CommittedFile_HasEveryInputOfTheGenerator()
    {
        var vectors = CommittedVectors();

        Assert.Equal(EnvelopeTestVectors.Inputs.Select(i => i.Name), vectors.Select(v => (string)v!["name"]!));
    }

    [Fact]
    public void TestVectors_RecomputedByLibraryAndReference_MatchTheCommittedFileByteForByte()
    {
        using var signingKey = EnvelopeTestVectors.SigningKey();
        var vectors = CommittedVectors();
        foreach (var input in EnvelopeTestVectors.Inputs)
        {
            var committed = vectors.Single(v => (string)v!["name"]! == input.Name)!.AsObject();
            var recomputed = EnvelopeTestVectors.Compute(input, signingKey);

            foreach (var (field, value) in recomputed)
            {
                if (field == "signature" || (field == "envelope" && input.Signed))
                {
                    continue;
                }

                Assert.True(JsonNode.DeepEquals(value, committed[field]), $"{input.Name}: {field} is {committed[field]?.ToJsonString()} in the file, recomputed {value?.ToJsonString()}");
            }

            // The library's envelope (without a signature: the reference stops at the tag) equals the reference's.
            var reference = ReferenceEnvelope.Seal((int)input.Suite, Convert.FromHexString(input.EpochSecret), input.SenderId, input.Epoch, input.Sequence, input.Topic, EnvelopeTestVectors.CompressedBody(input) ?? input.Plaintext, input.DictionaryId, input.PaddingBuckets, input.Signed);
            var expected = (string)committed[input.Signed ? "envelopeWithoutSignature" : "envelope"]!;
            Assert.Equal(expected, EnvelopeTestVectors.Hex(reference.Sealed));
        }
    }

    [Fact]
    public void TestVectors_CommittedEnvelopes_OpenToTheirPlaintextAndTheSignatureVerifies()
    {
        foreach (var node in CommittedVectors())
        {
            var vector = node!.AsObject();
            var sender = (string)vector["senderId"]!;
            var epoch = (uint)vector["epoch"]!;
            var store = new SenderKeyStore();
            store.AddEpoch(sender, epoch, Convert.FromHexString((string)vector["epochSecret"]!));
            var dictionary = (byte)(int)vector["dictionaryId"]!;
            var opener = new EnvelopeOpener(store, dictionary == 0 ? null : [new RunLengthCompression(dictionary)]);
            var signed = (bool)vector["signed"]!;
            using var publicKey = signed ? PublicKey((string)vector["signingPublicKey"]!) : null;

            var plaintext = opener.Open(Convert.FromHexString((string)vector["envelope"]!), (string)vector["topic"]!, sender, publicKey, requireSignature: signed);

            Assert.Equal((string)vector["plaintext"]!, EnvelopeTestVectors.Hex(plaintext));
        }
    }

    [Fact]
    public void TestVectors_SigningPublicKey_IsTheOneOfTheCommittedPrivateKey()
    {
        using var key = EnvelopeTestVectors.SigningKey();
        var signed = CommittedVectors().Single(v => (bool)v!["signed"]!)!;

        Assert.Equal((string)signed["signingPublicKey"]!, EnvelopeTestVectors.PublicKeyHex(key));
    }

    private static ECDsa PublicKey(string uncompressedHex)
    {
        var point = Convert.FromHexString(uncompressedHex);
        return ECDsa.Create(new ECParameters { Curve = ECCurve.NamedCurves.nistP256, Q = new ECPoint { X = point[1..33], Y = point[33..] } });
    }
}
