using System.Buffers;
using System.Buffers.Binary;
using MqttHealth.Mqtt.Codec;
using MqttHealth.Mqtt.Packets;
using MqttHealth.Mqtt.Protocol;

namespace MqttHealth.Mqtt.Client.Tests.Infrastructure;

/// <summary>One MQTT packet seen by <see cref="MqttTestProxy"/>, with its raw bytes.</summary>
public sealed class ProxiedPacket
{
    public ProxiedPacket(ProxyDirection direction, int connection, byte[] bytes)
    {
        Direction = direction;
        Connection = connection;
        Bytes = bytes;
    }

    public ProxyDirection Direction { get; }

    /// <summary>0 for the first connection through the proxy, 1 for the second, ...</summary>
    public int Connection { get; }

    public byte[] Bytes { get; }

    /// <summary>What the proxy did with it.</summary>
    public ProxyAction Action { get; set; }

    /// <summary>Set by a filter to forward these bytes instead of the original packet (to make a peer misbehave).</summary>
    public byte[]? Replacement { get; set; }

    public MqttPacketType Type => (MqttPacketType)(Bytes[0] >> 4);

    public int Flags => Bytes[0] & 0x0F;

    /// <summary>The DUP flag of a PUBLISH.</summary>
    public bool Dup => Type == MqttPacketType.Publish && (Flags & 0x08) != 0;

    /// <summary>Decodes the packet with the codec.</summary>
    public MqttPacket Decode(MqttProtocolVersion version)
    {
        var buffer = new ReadOnlySequence<byte>(Bytes);
        if (!MqttFrameReader.TryReadFrame(ref buffer, int.MaxValue, out MqttFrame frame))
        {
            throw new InvalidOperationException("Incomplete packet.");
        }

        return MqttPacketDecoder.Decode(frame, version, Direction == ProxyDirection.ClientToServer ? PacketDirection.ClientToServer : PacketDirection.ServerToClient);
    }

    /// <summary>The Packet Identifier of an acknowledgement (PUBACK, PUBREC, PUBREL, PUBCOMP, SUBACK, UNSUBACK).</summary>
    public ushort AckPacketId => BinaryPrimitives.ReadUInt16BigEndian(Body[..2]);

    private ReadOnlySpan<byte> Body
    {
        get
        {
            int i = 1;
            while ((Bytes[i] & 0x80) != 0)
            {
                i++;
            }

            return Bytes.AsSpan(i + 1);
        }
    }
}
