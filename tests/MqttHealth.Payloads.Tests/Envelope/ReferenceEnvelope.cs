using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace MqttHealth.Payloads.Tests.Envelope;

/// <summary>
/// docs/envelope.md implemented again from the primitives alone (HKDF-SHA256, HMAC-SHA512, AES-GCM, ChaCha20-Poly1305), the way an
/// integrator in another language would, without any of the library's code: the test vectors must agree with both.
/// </summary>
internal static class ReferenceEnvelope
{
    public sealed record Result(byte[] ChainKey0, byte[] ChainKey, byte[] NextChainKey, byte[] AeadKey, byte[] Nonce, byte[] Header, byte[] AssociatedData, byte[] PaddedBody, byte[] Sealed);

    public static Result Seal(int suite, byte[] secret, string sender, uint epoch, uint sequence, string topic, byte[] body, int dictionaryId, int[]? buckets, bool signed)
    {
        var senderBytes = Encoding.UTF8.GetBytes(sender);
        var info = Concat("mqtthealth/v1/chain"u8.ToArray(), U16(senderBytes.Length), senderBytes, U32(epoch));
        var chainKey0 = HKDF.DeriveKey(HashAlgorithmName.SHA256, secret, 32, [], info);
        var chainKey = chainKey0;
        byte[] okm = [];
        for (var i = 0u; i <= sequence; i++)
        {
            okm = HMACSHA512.HashData(chainKey, "mqtthealth/v1/ratchet"u8.ToArray());
            if (i < sequence)
            {
                chainKey = okm[..32];
            }
        }

        var key = okm[32..64];
        var nonce = Concat(new byte[4], U64(sequence));

        var compressionBits = dictionaryId switch { 0 => 0, 1 => 1, 2 => 2, _ => 3 };
        var first = (byte)(0x40 | (suite << 4) | (compressionBits << 2) | (buckets is null ? 0 : 2) | (signed ? 1 : 0));
        var header = Concat([first], Leb128(epoch), Leb128(sequence), compressionBits == 3 ? [(byte)dictionaryId] : []);
        var topicBytes = Encoding.UTF8.GetBytes(topic);
        var ad = Concat(header, U16(topicBytes.Length), topicBytes, U16(senderBytes.Length), senderBytes);

        var padded = body;
        if (buckets is not null)
        {
            var size = buckets.FirstOrDefault(b => b >= body.Length + 1);
            if (size == 0)
            {
                size = (body.Length + 1 + buckets[^1] - 1) / buckets[^1] * buckets[^1];
            }

            padded = new byte[size];
            body.CopyTo(padded, 0);
            padded[body.Length] = 0x80;
        }

        var ciphertext = new byte[padded.Length];
        var tag = new byte[16];
        if (suite == 1)
        {
            using var chacha = new ChaCha20Poly1305(key);
            chacha.Encrypt(nonce, padded, ciphertext, tag, ad);
        }
        else
        {
            using var aes = new AesGcm(key, 16);
            aes.Encrypt(nonce, padded, ciphertext, tag, ad);
        }

        return new Result(chainKey0, chainKey, okm[..32], key, nonce, header, ad, padded, Concat(header, ciphertext, tag));
    }

    private static byte[] Leb128(uint value)
    {
        var bytes = new List<byte>();
        do
        {
            var b = (byte)(value & 0x7F);
            value >>= 7;
            bytes.Add(value != 0 ? (byte)(b | 0x80) : b);
        }
        while (value != 0);
        return [.. bytes];
    }

    private static byte[] U16(int value)
    {
        var b = new byte[2];
        BinaryPrimitives.WriteUInt16BigEndian(b, (ushort)value);
        return b;
    }

    private static byte[] U32(uint value)
    {
        var b = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(b, value);
        return b;
    }

    private static byte[] U64(ulong value)
    {
        var b = new byte[8];
        BinaryPrimitives.WriteUInt64BigEndian(b, value);
        return b;
    }

    private static byte[] Concat(params byte[][] parts) => [.. parts.SelectMany(p => p)];
}
