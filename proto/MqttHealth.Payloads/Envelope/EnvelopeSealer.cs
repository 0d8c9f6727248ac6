using System.Buffers;
using System.Security.Cryptography;
using MqttHealth.Payloads.SenderKeys;

namespace MqttHealth.Payloads.Envelope;

/// <summary>
/// Seals messages of one sender and epoch: compress (when a compression is given and it helps), pad to a bucket, encrypt
/// with the next sequence's ratchet key, and sign when asked (alarms, commands). Thread-safe; seals are serialized.
/// </summary>
/// <remarks>
/// Every seal advances <see cref="State"/>. Persist it (<see cref="SenderKeyState.Serialize()"/>) before the sealed
/// bytes can leave the process, or a restart would seal a new message under an already used sequence and key.
/// </remarks>
public sealed class EnvelopeSealer
{
    private const int StackLimit = 512;

    private readonly Lock _gate = new();
    private readonly IEnvelopeCompression? _compression;
    private readonly ECDsa? _signingKey;

    /// <param name="state">The sender's position in its epoch; advanced by every seal.</param>
    /// <param name="options">Suite and padding; <see cref="EnvelopeOptions.Default"/> when null.</param>
    /// <param name="compression">The dictionary codec; null seals uncompressed.</param>
    /// <param name="signingKey">The sender's ECDSA P-256 identity key, needed to seal signed messages.</param>
    public EnvelopeSealer(SenderKeyState state, EnvelopeOptions? options = null, IEnvelopeCompression? compression = null, ECDsa? signingKey = null)
    {
        ArgumentNullException.ThrowIfNull(state);
        State = state;
        Options = options ?? EnvelopeOptions.Default;
        if (!MessageAead.IsSupported(Options.Suite))
        {
            throw new PlatformNotSupportedException($"The AEAD suite {Options.Suite} is not available on this platform.");
        }

        if (compression is { DictionaryId: 0 })
        {
            throw new ArgumentException("A compression's dictionary id is 1 to 255 (0 means uncompressed).", nameof(compression));
        }

        if (signingKey is not null)
        {
            EnvelopeSignature.ValidateKey(signingKey, nameof(signingKey));
        }

        _compression = compression;
        _signingKey = signingKey;
    }

    /// <summary>The sender state this sealer advances.</summary>
    public SenderKeyState State { get; }

    /// <summary>The suite and padding.</summary>
    public EnvelopeOptions Options { get; }

    /// <summary>The largest envelope a plaintext of this length can seal into (header, padding, tag, signature).</summary>
    public int MaxSealedLength(int plaintextLength, bool sign = false)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(plaintextLength);
        var body = Options.Padding?.PaddedLength(plaintextLength) ?? plaintextLength;
        return EnvelopeHeader.MaxLength + body + EnvelopeConstants.TagLength + (sign ? EnvelopeConstants.SignatureLength : 0);
    }

    /// <summary>Seals into a new array.</summary>
    public byte[] Seal(ReadOnlySpan<byte> plaintext, string topic, bool sign = false)
    {
        var rented = ArrayPool<byte>.Shared.Rent(MaxSealedLength(plaintext.Length, sign));
        try
        {
            var length = Seal(plaintext, topic, rented, sign);
            return rented.AsSpan(0, length).ToArray();
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>
    /// Seals <paramref name="plaintext"/> for <paramref name="topic"/> into <paramref name="destination"/> (at least
    /// <see cref="MaxSealedLength"/> bytes is always enough); returns the envelope's length. Allocates nothing (once a
    /// thread has sealed before: its AEAD and hash contexts are made on first use).
    /// </summary>
    public int Seal(ReadOnlySpan<byte> plaintext, string topic, Span<byte> destination, bool sign = false)
    {
        ArgumentNullException.ThrowIfNull(topic);
        if (sign && _signingKey is null)
        {
            throw new InvalidOperationException("This sealer has no signing key; give the sender's identity key to seal signed messages.");
        }

        var signatureLength = sign ? EnvelopeConstants.SignatureLength : 0;
        var tail = EnvelopeConstants.TagLength + signatureLength;
        lock (_gate)
        {
            if (State.Exhausted)
            {
                throw new InvalidOperationException($"Epoch {State.Epoch} of sender '{State.SenderId}' has used every sequence number; rotate to a new epoch.");
            }

            var padded = Options.Padding is not null;
            var header = new EnvelopeHeader(Options.Suite, State.Epoch, State.NextSequence, 0, padded, sign);
            var bodyLength = -1;
            if (_compression is not null)
            {
                header = header with { DictionaryId = _compression.DictionaryId };
                var room = destination.Length - header.Length - tail;
                if (room > 0)
                {
                    var compressed = _compression.Compress(plaintext, destination.Slice(header.Length, Math.Min(room, plaintext.Length)));
                    if (compressed >= 0 && compressed < plaintext.Length)
                    {
                        bodyLength = compressed;
                    }
                }

                if (bodyLength < 0)
                {
                    header = header with { DictionaryId = 0 };
                }
            }

            var headerLength = header.Length;
            if (bodyLength < 0)
            {
                if (destination.Length < headerLength + plaintext.Length + tail)
                {
                    throw TooSmall(destination.Length, plaintext.Length, sign);
                }

                plaintext.CopyTo(destination[headerLength..]);
                bodyLength = plaintext.Length;
            }

            var paddedLength = padded ? Options.Padding!.PaddedLength(bodyLength) : bodyLength;
            var total = headerLength + paddedLength + tail;
            if (destination.Length < total)
            {
                throw TooSmall(destination.Length, plaintext.Length, sign);
            }

            var body = destination.Slice(headerLength, paddedLength);
            if (padded)
            {
                Padding.Apply(body, bodyLength, paddedLength);
            }

            header.Write(destination);
            var adLength = AssociatedData.Length(headerLength, topic, State.SenderId);
            if (adLength < 0)
            {
                throw new ArgumentException("The topic is longer than 65,535 UTF-8 bytes.", nameof(topic));
            }

            byte[]? rented = adLength > StackLimit ? ArrayPool<byte>.Shared.Rent(adLength) : null;
            Span<byte> ad = rented is null ? stackalloc byte[StackLimit] : rented;
            ad = ad[..adLength];
            Span<byte> messageKey = stackalloc byte[KeyRatchet.MessageKeyLength];
            Span<byte> nonce = stackalloc byte[EnvelopeConstants.NonceLength];
            try
            {
                AssociatedData.Write(destination[..headerLength], topic, State.SenderId, ad);
                var sequence = State.Advance(messageKey);
                KeyRatchet.Nonce(sequence, nonce);
                var tag = destination.Slice(headerLength + paddedLength, EnvelopeConstants.TagLength);
                MessageAead.Seal(Options.Suite, messageKey[..EnvelopeConstants.KeyLength], nonce, body, tag, ad);
                if (sign)
                {
                    EnvelopeSignature.Sign(_signingKey!, ad, destination.Slice(headerLength, paddedLength + EnvelopeConstants.TagLength), destination.Slice(total - signatureLength, signatureLength));
                }
            }
            finally
            {
                CryptographicOperations.ZeroMemory(messageKey);
                if (rented is not null)
                {
                    ArrayPool<byte>.Shared.Return(rented);
                }
            }

            return total;
        }
    }

    private EnvelopeException TooSmall(int length, int plaintextLength, bool sign) =>
        new(EnvelopeError.DestinationTooSmall, $"The destination has {length} bytes; sealing {plaintextLength} bytes may need {MaxSealedLength(plaintextLength, sign)}.");
}
