using System.Buffers;
using System.Security.Cryptography;

namespace MqttHealth.Payloads.Envelope;

/// <summary>
/// The sender's ECDSA P-256 signature (SHA-256, r || s) over associated data || ciphertext || tag, appended after the
/// tag. Signed from outside the encryption so that anyone holding the sender's public key (a recipient, an auditor,
/// later the broker) can check the origin without the epoch secret, and so that the signature covers the header,
/// topic and sender through the associated data.
/// </summary>
internal static class EnvelopeSignature
{
    public static void ValidateKey(ECDsa key, string parameterName)
    {
        ArgumentNullException.ThrowIfNull(key, parameterName);
        if (key.KeySize != 256)
        {
            throw new ArgumentException($"Envelope signatures use ECDSA P-256; this key has {key.KeySize} bits.", parameterName);
        }
    }

    public static void Sign(ECDsa key, ReadOnlySpan<byte> associatedData, ReadOnlySpan<byte> sealedBody, Span<byte> signature)
    {
        var length = associatedData.Length + sealedBody.Length;
        var rented = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            associatedData.CopyTo(rented);
            sealedBody.CopyTo(rented.AsSpan(associatedData.Length));
            var written = key.SignData(rented.AsSpan(0, length), signature, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
            if (written != EnvelopeConstants.SignatureLength)
            {
                throw new CryptographicException($"An ECDSA P-256 signature is {EnvelopeConstants.SignatureLength} bytes; the key wrote {written}.");
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    public static bool Verify(ECDsa key, ReadOnlySpan<byte> associatedData, ReadOnlySpan<byte> sealedBody, ReadOnlySpan<byte> signature)
    {
        var length = associatedData.Length + sealedBody.Length;
        var rented = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            associatedData.CopyTo(rented);
            sealedBody.CopyTo(rented.AsSpan(associatedData.Length));
            return key.VerifyData(rented.AsSpan(0, length), signature, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }
}
