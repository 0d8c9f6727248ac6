using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace MqttHealth.Payloads.SenderKeys;

/// <summary>
/// A sender's position in one epoch: (sender id, epoch, next sequence, current chain key). Sealing takes the next
/// sequence and ratchets the chain key forward, erasing the old one.
/// </summary>
/// <remarks>
/// A sequence must never be sealed twice (the same key and nonce would seal two plaintexts). The edge agent persists
/// this state (<see cref="Serialize()"/>) after sealing and before the sealed message can leave, in the same
/// transaction as the outbox row: after a crash it resumes after the last sequence it could have sent. The serialized
/// state holds the chain key, which opens every later message of the epoch: store it encrypted at rest.
/// </remarks>
public sealed class SenderKeyState
{
    /// <summary>The serialized format's version byte.</summary>
    public const byte FormatVersion = 1;

    private readonly byte[] _chainKey = new byte[KeyRatchet.ChainKeyLength];

    private SenderKeyState(string senderId, uint epoch, uint nextSequence)
    {
        SenderId = senderId;
        Epoch = epoch;
        NextSequence = nextSequence;
    }

    /// <summary>The sender's principal name, bound into every key and into the associated data.</summary>
    public string SenderId { get; }

    /// <summary>The key epoch.</summary>
    public uint Epoch { get; }

    /// <summary>The sequence the next sealed message gets.</summary>
    public uint NextSequence { get; private set; }

    /// <summary>True once every sequence of the epoch is used (2^32 - 1 messages); the sender must rotate.</summary>
    public bool Exhausted => NextSequence == uint.MaxValue;

    /// <summary>The length of <see cref="Serialize()"/>'s output.</summary>
    public int SerializedLength => 1 + 4 + 4 + KeyRatchet.ChainKeyLength + 2 + Encoding.UTF8.GetByteCount(SenderId);

    /// <summary>The state at sequence 0 of an epoch.</summary>
    public static SenderKeyState Create(string senderId, uint epoch, ReadOnlySpan<byte> epochSecret)
    {
        ArgumentNullException.ThrowIfNull(senderId);
        var state = new SenderKeyState(senderId, epoch, 0);
        KeyRatchet.InitialChainKey(epochSecret, senderId, epoch, state._chainKey);
        return state;
    }

    /// <summary>
    /// Serialized: u8 version (1) || u32be epoch || u32be next sequence || 32-byte chain key || u16be(len sender) || sender UTF-8.
    /// </summary>
    public byte[] Serialize()
    {
        var bytes = new byte[SerializedLength];
        Serialize(bytes);
        return bytes;
    }

    /// <summary>Writes the serialized state; returns the bytes written.</summary>
    public int Serialize(Span<byte> destination)
    {
        var length = SerializedLength;
        if (destination.Length < length)
        {
            throw new ArgumentException($"The destination needs {length} bytes.", nameof(destination));
        }

        destination[0] = FormatVersion;
        BinaryPrimitives.WriteUInt32BigEndian(destination[1..], Epoch);
        BinaryPrimitives.WriteUInt32BigEndian(destination[5..], NextSequence);
        _chainKey.CopyTo(destination[9..]);
        var n = 9 + KeyRatchet.ChainKeyLength;
        var senderLength = Encoding.UTF8.GetBytes(SenderId, destination[(n + 2)..]);
        BinaryPrimitives.WriteUInt16BigEndian(destination[n..], (ushort)senderLength);
        return n + 2 + senderLength;
    }

    /// <summary>Reads a serialized state; <see cref="InvalidDataException"/> when it is not one.</summary>
    public static SenderKeyState Deserialize(ReadOnlySpan<byte> source)
    {
        const int fixedLength = 1 + 4 + 4 + KeyRatchet.ChainKeyLength + 2;
        if (source.Length < fixedLength)
        {
            throw new InvalidDataException($"A serialized sender key state is at least {fixedLength} bytes; this one is {source.Length}.");
        }

        if (source[0] != FormatVersion)
        {
            throw new InvalidDataException($"Unknown sender key state format {source[0]} (expected {FormatVersion}).");
        }

        var senderLength = BinaryPrimitives.ReadUInt16BigEndian(source[(fixedLength - 2)..]);
        if (senderLength == 0 || source.Length != fixedLength + senderLength)
        {
            throw new InvalidDataException("The serialized sender key state's sender id length does not match its size.");
        }

        string senderId;
        try
        {
            senderId = new UTF8Encoding(false, true).GetString(source[fixedLength..]);
        }
        catch (DecoderFallbackException e)
        {
            throw new InvalidDataException("The serialized sender key state's sender id is not UTF-8.", e);
        }

        var state = new SenderKeyState(senderId, BinaryPrimitives.ReadUInt32BigEndian(source[1..]), BinaryPrimitives.ReadUInt32BigEndian(source[5..]));
        source.Slice(9, KeyRatchet.ChainKeyLength).CopyTo(state._chainKey);
        return state;
    }

    /// <summary>Takes the next sequence: writes its message key and ratchets the chain key forward.</summary>
    internal uint Advance(Span<byte> messageKey)
    {
        if (Exhausted)
        {
            throw new InvalidOperationException($"Epoch {Epoch} of sender '{SenderId}' has used every sequence number; rotate to a new epoch.");
        }

        KeyRatchet.Step(_chainKey, messageKey);
        return NextSequence++;
    }

    /// <summary>Test access: the current chain key (the one that derives <see cref="NextSequence"/>'s key).</summary>
    internal ReadOnlySpan<byte> CurrentChainKey => _chainKey;

    /// <summary>Erases the chain key (for a sender that is done with the epoch); the state then seals nothing more.</summary>
    public void Erase()
    {
        CryptographicOperations.ZeroMemory(_chainKey);
        NextSequence = uint.MaxValue;
    }
}
