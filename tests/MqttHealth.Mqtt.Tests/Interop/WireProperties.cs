using System.Buffers.Binary;
using MqttHealth.Mqtt.Protocol;

namespace MqttHealth.Mqtt.Tests.Interop;

/// <summary>
/// Finds the MQTT 5.0 property sections in raw packet bytes and splits them into single properties, by walking
/// the packet layouts of 5.0 §3 directly (not through the decoder). Used to compare two encodings of the same
/// packet whose properties are in a different order. Data type sizes come from <see cref="MqttPropertyTable.TypeOf"/>,
/// which CatalogueCoverageTests checks against table 2-4.
/// </summary>
public static class WireProperties
{
    /// <summary>The property sections of a 5.0 packet: offset and length of the properties, Property Length excluded.</summary>
    public static List<(int Offset, int Length)> Sections(byte[] packet)
    {
        var type = (MqttPacketType)(packet[0] >> 4);
        int lengthBytes = 1;
        while ((packet[lengthBytes] & 0x80) != 0)
        {
            lengthBytes++;
        }

        int pos = 1 + lengthBytes;
        int end = packet.Length;
        var sections = new List<(int, int)>();
        switch (type)
        {
            case MqttPacketType.Connect:
                pos += 2 + ReadUInt16(packet, pos); // Protocol Name
                pos += 1; // Protocol Level
                byte flags = packet[pos];
                pos += 1 + 2; // Connect Flags, Keep Alive
                pos = Section(packet, pos, sections);
                pos += 2 + ReadUInt16(packet, pos); // Client Identifier
                if ((flags & 0x04) != 0)
                {
                    Section(packet, pos, sections); // Will Properties
                }

                break;
            case MqttPacketType.ConnAck:
                Section(packet, pos + 2, sections);
                break;
            case MqttPacketType.Publish:
                pos += 2 + ReadUInt16(packet, pos); // Topic Name
                pos += ((packet[0] >> 1) & 3) != 0 ? 2 : 0; // Packet Identifier
                Section(packet, pos, sections);
                break;
            case MqttPacketType.PubAck or MqttPacketType.PubRec or MqttPacketType.PubRel or MqttPacketType.PubComp:
                if (end - pos >= 4)
                {
                    Section(packet, pos + 3, sections); // Packet Identifier, Reason Code
                }

                break;
            case MqttPacketType.Subscribe or MqttPacketType.SubAck or MqttPacketType.Unsubscribe or MqttPacketType.UnsubAck:
                Section(packet, pos + 2, sections);
                break;
            case MqttPacketType.Disconnect or MqttPacketType.Auth:
                if (end - pos >= 2)
                {
                    Section(packet, pos + 1, sections); // Reason Code
                }

                break;
        }

        return sections;
    }

    /// <summary>Splits one property section into its properties (identifier byte and value, as on the wire).</summary>
    public static List<byte[]> Split(byte[] packet, (int Offset, int Length) section)
    {
        var items = new List<byte[]>();
        int pos = section.Offset;
        int end = section.Offset + section.Length;
        while (pos < end)
        {
            int start = pos;
            byte id = packet[pos++];
            pos += MqttPropertyTable.TypeOf(id) switch
            {
                MqttPropertyType.Byte => 1,
                MqttPropertyType.TwoByteInteger => 2,
                MqttPropertyType.FourByteInteger => 4,
                MqttPropertyType.VariableByteInteger => VariableByteIntegerLength(packet, pos),
                MqttPropertyType.Utf8String or MqttPropertyType.BinaryData => 2 + ReadUInt16(packet, pos),
                MqttPropertyType.Utf8StringPair => StringPairLength(packet, pos),
                _ => throw new InvalidOperationException($"Unknown property identifier 0x{id:X2} at offset {start}."),
            };
            items.Add(packet[start..pos]);
        }

        Assert.Equal(end, pos);
        return items;
    }

    /// <summary>The identifiers of a section's properties, in wire order.</summary>
    public static List<byte> Ids(byte[] packet, (int Offset, int Length) section) => Split(packet, section).Select(p => p[0]).ToList();

    /// <summary>
    /// Whether every section is in the order our encoder writes: ascending identifier, User Properties last
    /// (repeated identifiers keep their relative order, which is significant for User Properties).
    /// </summary>
    public static bool IsCanonical(byte[] packet) =>
        Sections(packet).All(s =>
        {
            var keys = Ids(packet, s).Select(id => id == (byte)MqttPropertyId.UserProperty ? 0x100 : id).ToList();
            return keys.Zip(keys.Skip(1)).All(pair => pair.First <= pair.Second);
        });

    /// <summary>
    /// Asserts that two encodings are the same packet up to the order of the properties inside each section:
    /// every byte outside the property sections is equal, and each section holds the same properties (as a
    /// multiset of identifier+value byte strings), with User Properties in the same relative order.
    /// </summary>
    public static void AssertEqualUpToPropertyOrder(byte[] expected, byte[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        List<(int Offset, int Length)> expectedSections = Sections(expected);
        List<(int Offset, int Length)> actualSections = Sections(actual);
        Assert.Equal(expectedSections, actualSections);

        byte[] expectedRest = expected.ToArray();
        byte[] actualRest = actual.ToArray();
        foreach ((int offset, int length) in expectedSections)
        {
            Array.Clear(expectedRest, offset, length);
            Array.Clear(actualRest, offset, length);
        }

        Assert.Equal(Convert.ToHexString(expectedRest), Convert.ToHexString(actualRest));
        foreach ((int Offset, int Length) section in expectedSections)
        {
            List<string> e = Split(expected, section).Select(Convert.ToHexString).ToList();
            List<string> a = Split(actual, section).Select(Convert.ToHexString).ToList();
            Assert.Equal(e.Order(StringComparer.Ordinal), a.Order(StringComparer.Ordinal));
            string userProperty = ((byte)MqttPropertyId.UserProperty).ToString("X2", null);
            Assert.Equal(e.Where(p => p.StartsWith(userProperty, StringComparison.Ordinal)), a.Where(p => p.StartsWith(userProperty, StringComparison.Ordinal)));
        }
    }

    private static int Section(byte[] packet, int pos, List<(int, int)> sections)
    {
        int length = 0;
        int shift = 0;
        int i = pos;
        byte b;
        do
        {
            b = packet[i++];
            length |= (b & 0x7F) << shift;
            shift += 7;
        }
        while ((b & 0x80) != 0);
        sections.Add((i, length));
        return i + length;
    }

    private static int ReadUInt16(byte[] packet, int pos) => BinaryPrimitives.ReadUInt16BigEndian(packet.AsSpan(pos));

    private static int VariableByteIntegerLength(byte[] packet, int pos)
    {
        int n = 1;
        while ((packet[pos + n - 1] & 0x80) != 0)
        {
            n++;
        }

        return n;
    }

    private static int StringPairLength(byte[] packet, int pos)
    {
        int first = 2 + ReadUInt16(packet, pos);
        return first + 2 + ReadUInt16(packet, pos + first);
    }
}
