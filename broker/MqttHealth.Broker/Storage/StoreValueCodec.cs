using System.Text;
using MqttHealth.Mqtt.Protocol;

namespace MqttHealth.Broker.Storage;

/*
 * Compact BLOB encodings for the two list-valued columns. Both start with a varint count (LEB128, as the
 * MQTT Variable Byte Integer but without its 4-byte limit), so an empty list is one byte and NULL means
 * "none" (user properties keep the null / empty distinction of BrokerMessage.UserProperties).
 *
 *   user_properties:  count, then per property: varint name length, UTF-8 name, varint value length, UTF-8 value
 *   subscription_ids: count, then each identifier as a varint
 *
 * Order is kept: User Properties must reach subscribers in the publisher's order [MQTT-3.3.2-18].
 */
internal static class StoreValueCodec
{
    public static byte[]? EncodeUserProperties(IReadOnlyList<MqttUserProperty>? properties)
    {
        if (properties is null)
        {
            return null;
        }

        var size = VarintSize((ulong)properties.Count);
        foreach (var property in properties)
        {
            var name = Encoding.UTF8.GetByteCount(property.Name);
            var value = Encoding.UTF8.GetByteCount(property.Value);
            size += VarintSize((ulong)name) + name + VarintSize((ulong)value) + value;
        }

        var buffer = new byte[size];
        var offset = WriteVarint(buffer, 0, (ulong)properties.Count);
        foreach (var property in properties)
        {
            offset = WriteString(buffer, offset, property.Name);
            offset = WriteString(buffer, offset, property.Value);
        }

        return buffer;
    }

    public static List<MqttUserProperty> DecodeUserProperties(ReadOnlySpan<byte> data)
    {
        var offset = 0;
        var count = ReadCount(data, ref offset);
        var properties = new List<MqttUserProperty>(count);
        for (var i = 0; i < count; i++)
        {
            var name = ReadString(data, ref offset);
            var value = ReadString(data, ref offset);
            properties.Add(new MqttUserProperty(name, value));
        }

        ExpectEnd(data, offset);
        return properties;
    }

    /// <summary>Null for an empty list: the common case costs no bytes.</summary>
    public static byte[]? EncodeSubscriptionIdentifiers(IReadOnlyList<uint> identifiers)
    {
        if (identifiers.Count == 0)
        {
            return null;
        }

        var size = VarintSize((ulong)identifiers.Count);
        foreach (var identifier in identifiers)
        {
            size += VarintSize(identifier);
        }

        var buffer = new byte[size];
        var offset = WriteVarint(buffer, 0, (ulong)identifiers.Count);
        foreach (var identifier in identifiers)
        {
            offset = WriteVarint(buffer, offset, identifier);
        }

        return buffer;
    }

    public static uint[] DecodeSubscriptionIdentifiers(ReadOnlySpan<byte> data)
    {
        var offset = 0;
        var count = ReadCount(data, ref offset);
        var identifiers = new uint[count];
        for (var i = 0; i < count; i++)
        {
            var value = ReadVarint(data, ref offset);
            if (value > uint.MaxValue)
            {
                throw new FormatException("A stored subscription identifier is out of range.");
            }

            identifiers[i] = (uint)value;
        }

        ExpectEnd(data, offset);
        return identifiers;
    }

    private static int VarintSize(ulong value)
    {
        var size = 1;
        while (value >= 0x80)
        {
            value >>= 7;
            size++;
        }

        return size;
    }

    private static int WriteVarint(byte[] buffer, int offset, ulong value)
    {
        while (value >= 0x80)
        {
            buffer[offset++] = (byte)(value | 0x80);
            value >>= 7;
        }

        buffer[offset++] = (byte)value;
        return offset;
    }

    private static int WriteString(byte[] buffer, int offset, string value)
    {
        var length = Encoding.UTF8.GetByteCount(value);
        offset = WriteVarint(buffer, offset, (ulong)length);
        return offset + Encoding.UTF8.GetBytes(value, 0, value.Length, buffer, offset);
    }

    private static ulong ReadVarint(ReadOnlySpan<byte> data, ref int offset)
    {
        ulong value = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            if (offset >= data.Length)
            {
                throw new FormatException("A stored list ends in the middle of a number.");
            }

            var b = data[offset++];
            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                return value;
            }
        }

        throw new FormatException("A stored number is longer than 64 bits.");
    }

    private static int ReadCount(ReadOnlySpan<byte> data, ref int offset)
    {
        var count = ReadVarint(data, ref offset);

        // Every element takes at least one byte, so a count above the remaining length is corrupt; checking
        // it first keeps a damaged count from allocating a huge list.
        if (count > (ulong)(data.Length - offset))
        {
            throw new FormatException("A stored list claims more elements than it has bytes.");
        }

        return (int)count;
    }

    private static string ReadString(ReadOnlySpan<byte> data, ref int offset)
    {
        var length = ReadVarint(data, ref offset);
        if (length > (ulong)(data.Length - offset))
        {
            throw new FormatException("A stored string runs past the end of its list.");
        }

        var value = Encoding.UTF8.GetString(data.Slice(offset, (int)length));
        offset += (int)length;
        return value;
    }

    private static void ExpectEnd(ReadOnlySpan<byte> data, int offset)
    {
        if (offset != data.Length)
        {
            throw new FormatException("A stored list has trailing bytes.");
        }
    }
}
