using System.Buffers;
using System.Security.Cryptography;
using MqttHealth.Payloads.SenderKeys;

namespace MqttHealth.Payloads.Envelope;

/// <summary>
/// Opens envelopes with the keys of a <see cref="SenderKeyStore"/>: parse the header, derive (or find) the sequence's
/// key, authenticate and decrypt, check the signature, remove the padding, decompress, and only then mark the sequence
/// as opened. A rejected envelope changes no state. Thread-safe.
/// </summary>
public sealed class EnvelopeOpener
{
    /// <summary>The default ceiling on a decompressed plaintext for the byte[] API: 1 MiB.</summary>
    public const int DefaultMaxPlaintextLength = 1 << 20;

    private const int StackLimit = 512;

    private readonly SenderKeyStore _store;
    private readonly IEnvelopeCompression?[] _compressions = new IEnvelopeCompression?[256];
    private readonly int _maxPlaintextLength;

    /// <param name="store">The recipient's sender keys.</param>
    /// <param name="compressions">The dictionaries this recipient can decompress (by their ids).</param>
    /// <param name="maxPlaintextLength">The largest plaintext the byte[] API accepts after decompression.</param>
    public EnvelopeOpener(SenderKeyStore store, IEnumerable<IEnvelopeCompression>? compressions = null, int maxPlaintextLength = DefaultMaxPlaintextLength)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxPlaintextLength);
        _store = store;
        _maxPlaintextLength = maxPlaintextLength;
        foreach (var compression in compressions ?? [])
        {
            if (compression.DictionaryId == 0)
            {
                throw new ArgumentException("A compression's dictionary id is 1 to 255 (0 means uncompressed).", nameof(compressions));
            }

            _compressions[compression.DictionaryId] = compression;
        }
    }

    /// <summary>
    /// Opens into a new array. <paramref name="senderPublicKey"/> checks signed envelopes; <paramref name="requireSignature"/>
    /// rejects unsigned ones (alarms and commands). Throws <see cref="EnvelopeException"/> on any rejection.
    /// </summary>
    public byte[] Open(ReadOnlySpan<byte> envelope, string topic, string senderId, ECDsa? senderPublicKey = null, bool requireSignature = false)
    {
        // An uncompressed plaintext is never longer than the envelope; a compressed one up to the configured ceiling.
        var compressed = EnvelopeHeader.TryRead(envelope, out var header, out _, out _) && header.Compressed;
        var capacity = compressed ? _maxPlaintextLength : envelope.Length;
        var rented = ArrayPool<byte>.Shared.Rent(capacity);
        var used = capacity;
        try
        {
            var opened = Open(envelope, topic, senderId, rented.AsSpan(0, capacity), senderPublicKey, requireSignature);
            used = compressed ? opened.Length : capacity;
            return rented.AsSpan(0, opened.Length).ToArray();
        }
        finally
        {
            CryptographicOperations.ZeroMemory(rented.AsSpan(0, used));
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>Opens into <paramref name="destination"/>; throws <see cref="EnvelopeException"/> on any rejection.</summary>
    public OpenedEnvelope Open(ReadOnlySpan<byte> envelope, string topic, string senderId, Span<byte> destination, ECDsa? senderPublicKey = null, bool requireSignature = false)
    {
        var error = TryOpen(envelope, topic, senderId, destination, out var opened, senderPublicKey, requireSignature);
        return error == EnvelopeError.None ? opened : throw new EnvelopeException(error, EnvelopeException.Describe(error));
    }

    /// <summary>
    /// Opens into <paramref name="destination"/> without throwing for a rejected envelope; returns why it was rejected,
    /// or <see cref="EnvelopeError.None"/>. An uncompressed envelope needs a destination as long as its padded body
    /// (the envelope's length is always enough). Allocates nothing (once a thread has opened before: its AEAD and hash
    /// contexts are made on first use).
    /// </summary>
    public EnvelopeError TryOpen(ReadOnlySpan<byte> envelope, string topic, string senderId, Span<byte> destination, out OpenedEnvelope opened, ECDsa? senderPublicKey = null, bool requireSignature = false)
    {
        ArgumentNullException.ThrowIfNull(topic);
        ArgumentNullException.ThrowIfNull(senderId);
        opened = default;
        if (!EnvelopeHeader.TryRead(envelope, out var header, out var headerLength, out var error))
        {
            return error;
        }

        if (!MessageAead.IsSupported(header.Suite))
        {
            return EnvelopeError.UnsupportedSuite;
        }

        var signatureLength = header.Signed ? EnvelopeConstants.SignatureLength : 0;
        var bodyLength = envelope.Length - headerLength - EnvelopeConstants.TagLength - signatureLength;
        if (bodyLength < (header.Padded ? 1 : 0))
        {
            return EnvelopeError.Malformed;
        }

        if (header.Signed && senderPublicKey is null)
        {
            return EnvelopeError.SignatureKeyMissing;
        }

        if (!header.Signed && requireSignature)
        {
            return EnvelopeError.SignatureMissing;
        }

        IEnvelopeCompression? compression = null;
        if (header.Compressed && (compression = _compressions[header.DictionaryId]) is null)
        {
            return EnvelopeError.UnknownDictionary;
        }

        if (!_store.TryGetChain(senderId, header.Epoch, out var chain, out var senderKnown))
        {
            return senderKnown ? EnvelopeError.UnknownEpoch : EnvelopeError.UnknownSender;
        }

        if (compression is null && destination.Length < bodyLength)
        {
            return EnvelopeError.DestinationTooSmall;
        }

        var adLength = AssociatedData.Length(headerLength, topic, senderId);
        if (adLength < 0)
        {
            throw new ArgumentException("The topic or sender id is longer than 65,535 UTF-8 bytes.", nameof(topic));
        }

        byte[]? rentedAd = adLength > StackLimit ? ArrayPool<byte>.Shared.Rent(adLength) : null;
        Span<byte> ad = rentedAd is null ? stackalloc byte[StackLimit] : rentedAd;
        ad = ad[..adLength];
        AssociatedData.Write(envelope[..headerLength], topic, senderId, ad);
        byte[]? rentedBody = compression is null ? null : ArrayPool<byte>.Shared.Rent(bodyLength);
        var body = compression is null ? destination[..bodyLength] : rentedBody.AsSpan(0, bodyLength);
        Span<byte> messageKey = stackalloc byte[KeyRatchet.MessageKeyLength];
        Span<byte> nonce = stackalloc byte[EnvelopeConstants.NonceLength];
        try
        {
            lock (chain.Gate)
            {
                error = chain.Lookup(header.Sequence, messageKey, out var pending);
                if (error != EnvelopeError.None)
                {
                    return error;
                }

                error = Decrypt(envelope, header, headerLength, bodyLength, ad, messageKey, nonce, body, senderPublicKey, compression, destination, out var length);
                if (error != EnvelopeError.None)
                {
                    ReceiverChain.Abandon(ref pending);
                    body.Clear();
                    return error;
                }

                chain.Commit(ref pending);
                opened = new OpenedEnvelope(length, header);
                return EnvelopeError.None;
            }
        }
        finally
        {
            CryptographicOperations.ZeroMemory(messageKey);
            if (rentedAd is not null)
            {
                ArrayPool<byte>.Shared.Return(rentedAd);
            }

            if (rentedBody is not null)
            {
                CryptographicOperations.ZeroMemory(rentedBody.AsSpan(0, bodyLength));
                ArrayPool<byte>.Shared.Return(rentedBody);
            }
        }
    }

    private static EnvelopeError Decrypt(
        ReadOnlySpan<byte> envelope,
        EnvelopeHeader header,
        int headerLength,
        int bodyLength,
        ReadOnlySpan<byte> ad,
        ReadOnlySpan<byte> messageKey,
        Span<byte> nonce,
        Span<byte> body,
        ECDsa? senderPublicKey,
        IEnvelopeCompression? compression,
        Span<byte> destination,
        out int length)
    {
        length = 0;
        KeyRatchet.Nonce(header.Sequence, nonce);
        var ciphertext = envelope.Slice(headerLength, bodyLength);
        var tag = envelope.Slice(headerLength + bodyLength, EnvelopeConstants.TagLength);
        if (!MessageAead.Open(header.Suite, messageKey[..EnvelopeConstants.KeyLength], nonce, ciphertext, tag, body, ad))
        {
            return EnvelopeError.AuthenticationFailed;
        }

        if (header.Signed)
        {
            var sealedBody = envelope.Slice(headerLength, bodyLength + EnvelopeConstants.TagLength);
            var signature = envelope.Slice(headerLength + bodyLength + EnvelopeConstants.TagLength, EnvelopeConstants.SignatureLength);
            if (!EnvelopeSignature.Verify(senderPublicKey!, ad, sealedBody, signature))
            {
                return EnvelopeError.SignatureInvalid;
            }
        }

        var unpadded = header.Padded ? Padding.Remove(body) : bodyLength;
        if (unpadded < 0)
        {
            return EnvelopeError.InvalidPadding;
        }

        if (compression is null)
        {
            length = unpadded;
            return EnvelopeError.None;
        }

        try
        {
            length = compression.Decompress(body[..unpadded], destination);
            return EnvelopeError.None;
        }
        catch (InvalidDataException)
        {
            return EnvelopeError.InvalidCompressedBody;
        }
    }
}
