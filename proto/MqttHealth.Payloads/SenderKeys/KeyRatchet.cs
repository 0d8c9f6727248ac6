using System.Buffers;
using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using MqttHealth.Payloads.Crypto;

namespace MqttHealth.Payloads.SenderKeys;

/// <summary>
/// The sender-key hash ratchet (docs/envelope.md, "Key derivation"):
/// <code>
/// CK_0          = HKDF-SHA256(IKM = epoch secret, salt = none, info = "mqtthealth/v1/chain" || u16be(len sender) || sender || u32be(epoch), L = 32)
/// OKM_n         = HMAC-SHA512(key = CK_n, "mqtthealth/v1/ratchet")       (64 bytes, one HMAC)
/// CK_{n+1}      = OKM_n[0..32]    key_n = OKM_n[32..64]
/// nonce_n       = 4 zero bytes || u64be(n)
/// </code>
/// One HMAC-SHA512 per message yields the next chain key and the message's key; CK_n is overwritten once used, and
/// HMAC is one-way, so CK_{n+1} does not give back any earlier key. Every key seals exactly one message, so the nonce
/// needs no secret part. The HMAC is computed as RFC 2104 defines it, from two SHA-512 hashes on one OpenSSL digest
/// context per thread, made once (<see cref="OpenSslSha512"/>). A one-shot HMAC or HKDF call pays mostly for setting up
/// a MAC or KDF context, and .NET's IncrementalHash makes OpenSSL 3 look the digest up again on every init
/// (docs/crypto.md). The bytes are HMACSHA512's; the tests compare them.
/// </summary>
internal static class KeyRatchet
{
    public const int SecretLength = 32;
    public const int ChainKeyLength = 32;
    public const int MessageKeyLength = 32;

    private const int BlockLength = 128;

    [ThreadStatic]
    private static OpenSslSha512? t_sha512;

    private static ReadOnlySpan<byte> ChainLabel => "mqtthealth/v1/chain"u8;

    private static ReadOnlySpan<byte> RatchetLabel => "mqtthealth/v1/ratchet"u8;

    /// <summary>CK_0 of (sender, epoch) from the epoch secret.</summary>
    public static void InitialChainKey(ReadOnlySpan<byte> epochSecret, string senderId, uint epoch, Span<byte> chainKey)
    {
        if (epochSecret.Length != SecretLength)
        {
            throw new ArgumentException($"An epoch secret is {SecretLength} bytes, not {epochSecret.Length}.", nameof(epochSecret));
        }

        var senderLength = Encoding.UTF8.GetByteCount(senderId);
        if (senderId.Length == 0 || senderLength > ushort.MaxValue)
        {
            throw new ArgumentException("A sender id is 1 to 65,535 UTF-8 bytes.", nameof(senderId));
        }

        var infoLength = ChainLabel.Length + 2 + senderLength + 4;
        var rented = ArrayPool<byte>.Shared.Rent(infoLength);
        try
        {
            var info = rented.AsSpan(0, infoLength);
            ChainLabel.CopyTo(info);
            var n = ChainLabel.Length;
            BinaryPrimitives.WriteUInt16BigEndian(info[n..], (ushort)senderLength);
            n += 2;
            n += Encoding.UTF8.GetBytes(senderId, info[n..]);
            BinaryPrimitives.WriteUInt32BigEndian(info[n..], epoch);
            HKDF.DeriveKey(HashAlgorithmName.SHA256, epochSecret, chainKey[..ChainKeyLength], ReadOnlySpan<byte>.Empty, info);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>One step: from CK_n to CK_{n+1} (in place allowed) and the message key of n.</summary>
    public static void Step(Span<byte> chainKey, Span<byte> messageKey)
    {
        var sha512 = t_sha512 ??= new OpenSslSha512();
        Span<byte> block = stackalloc byte[BlockLength];
        Span<byte> inner = stackalloc byte[OpenSslSha512.HashLength];
        Span<byte> okm = stackalloc byte[OpenSslSha512.HashLength];
        try
        {
            // HMAC-SHA512(K, m) = SHA-512((K0 ^ opad) || SHA-512((K0 ^ ipad) || m)), K0 = K padded with zeros to 128 bytes.
            block.Fill(0x36);
            Xor(block, chainKey[..ChainKeyLength]);
            sha512.Hash(block, RatchetLabel, inner);
            block.Fill(0x5c);
            Xor(block, chainKey[..ChainKeyLength]);
            sha512.Hash(block, inner, okm);
            okm[..ChainKeyLength].CopyTo(chainKey);
            okm[ChainKeyLength..].CopyTo(messageKey);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(block);
            CryptographicOperations.ZeroMemory(inner);
            CryptographicOperations.ZeroMemory(okm);
        }
    }

    /// <summary>nonce = 4 zero bytes || u64be(sequence). Every key seals one message, so the nonce only has to be fixed and known.</summary>
    public static void Nonce(uint sequence, Span<byte> nonce)
    {
        BinaryPrimitives.WriteUInt32BigEndian(nonce, 0);
        BinaryPrimitives.WriteUInt64BigEndian(nonce[4..], sequence);
    }

    private static void Xor(Span<byte> block, ReadOnlySpan<byte> key)
    {
        for (var i = 0; i < key.Length; i++)
        {
            block[i] ^= key[i];
        }
    }
}
