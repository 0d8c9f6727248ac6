using System.Buffers;
using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace MqttHealth.Payloads.SenderKeys;

/// <summary>
/// The sender-key hash ratchet (docs/envelope.md, "Key derivation"):
/// <code>
/// CK_0          = HKDF-SHA256(IKM = epoch secret, salt = none, info = "mqtthealth/v1/chain" || u16be(len sender) || sender || u32be(epoch), L = 32)
/// OKM_n         = HKDF-Expand-SHA256(PRK = CK_n, info = "mqtthealth/v1/ratchet", L = 76)
/// CK_{n+1}      = OKM_n[0..32]    key_n = OKM_n[32..64]    iv_n = OKM_n[64..76]
/// nonce_n       = iv_n XOR (4 zero bytes || u64be(n))
/// </code>
/// One HKDF-Expand per message (three HMAC-SHA256 blocks in one call) yields the next chain key and the message's key
/// and nonce base; CK_n is overwritten once used, and HMAC is one-way, so CK_{n+1} does not give back any earlier key.
/// </summary>
internal static class KeyRatchet
{
    public const int SecretLength = 32;
    public const int ChainKeyLength = 32;
    public const int MessageKeyLength = 44;
    public const int IvLength = 12;

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

    /// <summary>One step: from CK_n to CK_{n+1} (in place allowed) and the message key (key || iv) of n.</summary>
    public static void Step(Span<byte> chainKey, Span<byte> messageKey)
    {
        Span<byte> okm = stackalloc byte[ChainKeyLength + MessageKeyLength];
        HKDF.Expand(HashAlgorithmName.SHA256, chainKey[..ChainKeyLength], okm, RatchetLabel);
        okm[..ChainKeyLength].CopyTo(chainKey);
        okm[ChainKeyLength..].CopyTo(messageKey);
        CryptographicOperations.ZeroMemory(okm);
    }

    /// <summary>nonce = iv XOR (4 zero bytes || u64be(sequence)), as OSCORE does with its common IV.</summary>
    public static void Nonce(ReadOnlySpan<byte> messageKey, uint sequence, Span<byte> nonce)
    {
        messageKey.Slice(ChainKeyLength, IvLength).CopyTo(nonce);
        var low = BinaryPrimitives.ReadUInt64BigEndian(nonce[4..]) ^ sequence;
        BinaryPrimitives.WriteUInt64BigEndian(nonce[4..], low);
    }
}
