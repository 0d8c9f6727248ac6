using MqttHealth.Mqtt.Codec;
using MqttHealth.Mqtt.Packets;
using MqttHealth.Mqtt.Protocol;
using Xunit.Abstractions;

namespace MqttHealth.Mqtt.Tests.Codec;

/// <summary>
/// One valid packet of <see cref="PacketCatalogue"/>: its name, the protocol version of the connection, who
/// sends it (so the decoder can apply its direction rules) and the packet. xunit serializes only the name,
/// so each sample is its own test case; the packet is looked up again from the catalogue.
/// </summary>
public sealed class PacketSample : IXunitSerializable
{
    /// <summary>For the xunit deserializer only.</summary>
    public PacketSample()
    {
        Name = string.Empty;
        Packet = PingReqPacket.Instance;
    }

    public PacketSample(string name, MqttProtocolVersion version, PacketDirection direction, MqttPacket packet)
    {
        Name = name;
        Version = version;
        Direction = direction;
        Packet = packet;
    }

    public string Name { get; private set; }

    public MqttProtocolVersion Version { get; private set; }

    public PacketDirection Direction { get; private set; }

    /// <summary>The packet. Shared by all tests: never mutate it.</summary>
    public MqttPacket Packet { get; private set; }

    public void Deserialize(IXunitSerializationInfo info)
    {
        PacketSample sample = PacketCatalogue.Get(info.GetValue<string>("name"));
        Name = sample.Name;
        Version = sample.Version;
        Direction = sample.Direction;
        Packet = sample.Packet;
    }

    public void Serialize(IXunitSerializationInfo info) => info.AddValue("name", Name);

    public override string ToString() => Name;
}
