using System.Buffers;
using System.Text;
using MqttHealth.Mqtt.Protocol;

namespace MqttHealth.Mqtt.Codec;

/// <summary>
/// Reads the MQTT data types (5.0 §1.5) from a complete packet body. The body is whole, so running out of
/// bytes always means the packet lied about its lengths: every shortfall is a Malformed Packet.
/// </summary>
internal ref struct MqttBodyReader
{
    private SequenceReader<byte> _reader;

    public MqttBodyReader(in ReadOnlySequence<byte> body)
    {
        _reader = new SequenceReader<byte>(body);
    }

    public readonly long Remaining => _reader.Remaining;

    public readonly bool End => _reader.End;

    public byte ReadByte(string what)
    {
        if (!_reader.TryRead(out byte value))
        {
            MqttThrow.Truncated(what);
        }

        return value;
    }

    public ushort ReadUInt16(string what)
    {
        if (!_reader.TryReadBigEndian(out short value))
        {
            MqttThrow.Truncated(what);
        }

        return (ushort)value;
    }

    public uint ReadUInt32(string what)
    {
        if (!_reader.TryReadBigEndian(out int value))
        {
            MqttThrow.Truncated(what);
        }

        return (uint)value;
    }

    /// <summary>Variable Byte Integer: 1-4 bytes, minimal [MQTT-1.5.5-1].</summary>
    public int ReadVariableByteInteger(string what)
    {
        Span<byte> head = stackalloc byte[4];
        int available = (int)Math.Min(_reader.Remaining, 4);
        _reader.TryCopyTo(head[..available]);
        if (!MqttFrameReader.TryReadRemainingLength(head[..available], out int value, out int length))
        {
            MqttThrow.Truncated(what);
        }

        _reader.Advance(length);
        return value;
    }

    /// <summary>Binary Data: two-byte length, then that many bytes (a slice of the receive buffer).</summary>
    public ReadOnlySequence<byte> ReadBinarySlice(string what)
    {
        ushort length = ReadUInt16(what);
        if (_reader.Remaining < length)
        {
            MqttThrow.Truncated(what);
        }

        ReadOnlySequence<byte> slice = _reader.UnreadSequence.Slice(0, length);
        _reader.Advance(length);
        return slice;
    }

    /// <summary>UTF-8 Encoded String as a validated slice of the receive buffer (no allocation).</summary>
    public ReadOnlySequence<byte> ReadUtf8Slice(string what)
    {
        ReadOnlySequence<byte> slice = ReadBinarySlice(what);
        MqttUtf8.Validate(slice);
        return slice;
    }

    public string ReadString(string what) => Decode(ReadUtf8Slice(what));

    public byte[] ReadBinary(string what) => ReadBinarySlice(what).ToArray();

    /// <summary>The next <paramref name="length"/> bytes as a slice; Malformed if the body is shorter.</summary>
    public ReadOnlySequence<byte> ReadSlice(long length, string what)
    {
        if (_reader.Remaining < length)
        {
            MqttThrow.Truncated(what);
        }

        ReadOnlySequence<byte> slice = _reader.UnreadSequence.Slice(0, length);
        _reader.Advance(length);
        return slice;
    }

    /// <summary>Everything left: the payload.</summary>
    public ReadOnlySequence<byte> ReadRest()
    {
        ReadOnlySequence<byte> rest = _reader.UnreadSequence;
        _reader.AdvanceToEnd();
        return rest;
    }

    /// <summary>Malformed Packet if any byte is left over: a packet must end exactly where its content ends.</summary>
    public readonly void ExpectEnd(MqttPacketType type)
    {
        if (!_reader.End)
        {
            MqttThrow.Malformed(string.Empty, $"The {type} packet has {_reader.Remaining} bytes after its last field.");
        }
    }

    public static string Decode(in ReadOnlySequence<byte> utf8) =>
        utf8.IsSingleSegment ? Encoding.UTF8.GetString(utf8.FirstSpan) : Encoding.UTF8.GetString(utf8.ToArray());
}
