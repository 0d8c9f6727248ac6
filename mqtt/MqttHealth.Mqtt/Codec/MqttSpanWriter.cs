using System.Buffers.Binary;
using System.Text;

namespace MqttHealth.Mqtt.Codec;

/// <summary>Writes the MQTT data types (5.0 §1.5) into a span whose size was computed beforehand.</summary>
internal ref struct MqttSpanWriter
{
    private readonly Span<byte> _span;
    private int _position;

    public MqttSpanWriter(Span<byte> span)
    {
        _span = span;
        _position = 0;
    }

    public readonly int Position => _position;

    public void WriteByte(byte value) => _span[_position++] = value;

    public void WriteUInt16(ushort value)
    {
        BinaryPrimitives.WriteUInt16BigEndian(_span[_position..], value);
        _position += 2;
    }

    public void WriteUInt32(uint value)
    {
        BinaryPrimitives.WriteUInt32BigEndian(_span[_position..], value);
        _position += 4;
    }

    public void WriteVariableByteInteger(int value) => _position += MqttEncoding.WriteVariableByteInteger(_span[_position..], value);

    public void WriteString(string value)
    {
        int count = Encoding.UTF8.GetBytes(value, _span[(_position + 2)..]);
        BinaryPrimitives.WriteUInt16BigEndian(_span[_position..], (ushort)count);
        _position += 2 + count;
    }

    public void WriteBinary(ReadOnlySpan<byte> value)
    {
        BinaryPrimitives.WriteUInt16BigEndian(_span[_position..], (ushort)value.Length);
        value.CopyTo(_span[(_position + 2)..]);
        _position += 2 + value.Length;
    }

    public void WriteBytes(ReadOnlySpan<byte> value)
    {
        value.CopyTo(_span[_position..]);
        _position += value.Length;
    }
}
