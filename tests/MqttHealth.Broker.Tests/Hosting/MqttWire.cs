using System.Text;

namespace MqttHealth.Broker.Tests.Hosting;

/// <summary>
/// Hand-written MQTT 3.1.1 packets and a packet reader over any stream (TCP, TLS, WebSocket), so that the
/// hosting tests depend only on bytes on the wire, not on the client library.
/// </summary>
internal static class MqttWire
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    /// <summary>CONNACK, session present 0, return code 0 (accepted).</summary>
    public static readonly byte[] ConnAckAccepted = [0x20, 0x02, 0x00, 0x00];

    /// <summary>CONNECT v3.1.1, clean session, keep alive off.</summary>
    public static byte[] Connect(string clientId)
    {
        byte[] id = Encoding.UTF8.GetBytes(clientId);
        var body = new List<byte> { 0x00, 0x04, (byte)'M', (byte)'Q', (byte)'T', (byte)'T', 0x04, 0x02, 0x00, 0x00 };
        body.AddRange(Length16(id.Length));
        body.AddRange(id);
        return Packet(0x10, body);
    }

    /// <summary>SUBSCRIBE v3.1.1 with one filter.</summary>
    public static byte[] Subscribe(ushort packetId, string filter, byte qos)
    {
        byte[] topic = Encoding.UTF8.GetBytes(filter);
        var body = new List<byte>(Length16(packetId));
        body.AddRange(Length16(topic.Length));
        body.AddRange(topic);
        body.Add(qos);
        return Packet(0x82, body);
    }

    /// <summary>PUBLISH v3.1.1 QoS 1.</summary>
    public static byte[] PublishQos1(ushort packetId, string topic, string payload)
    {
        byte[] name = Encoding.UTF8.GetBytes(topic);
        var body = new List<byte>(Length16(name.Length));
        body.AddRange(name);
        body.AddRange(Length16(packetId));
        body.AddRange(Encoding.UTF8.GetBytes(payload));
        return Packet(0x32, body);
    }

    /// <summary>Reads one whole packet (fixed header included); throws <see cref="EndOfStreamException"/> when the stream ends.</summary>
    public static async Task<byte[]> ReadPacketAsync(Stream stream, CancellationToken cancellationToken = default)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Timeout);
        var packet = new List<byte> { await ReadByteAsync(stream, timeout.Token) };
        int length = 0;
        for (int shift = 0; shift <= 21; shift += 7)
        {
            byte b = await ReadByteAsync(stream, timeout.Token);
            packet.Add(b);
            length |= (b & 0x7F) << shift;
            if ((b & 0x80) == 0)
            {
                break;
            }
        }

        byte[] body = new byte[length];
        await stream.ReadExactlyAsync(body, timeout.Token);
        packet.AddRange(body);
        return [.. packet];
    }

    /// <summary>The topic and payload of a PUBLISH packet (QoS 0, as $SYS messages are).</summary>
    public static (string Topic, string Payload, bool Retain) ParsePublishQos0(byte[] packet)
    {
        int index = 1;
        while ((packet[index] & 0x80) != 0)
        {
            index++;
        }

        index++;
        int topicLength = (packet[index] << 8) | packet[index + 1];
        string topic = Encoding.UTF8.GetString(packet, index + 2, topicLength);
        string payload = Encoding.UTF8.GetString(packet, index + 2 + topicLength, packet.Length - index - 2 - topicLength);
        return (topic, payload, (packet[0] & 0x01) != 0);
    }

    private static async Task<byte> ReadByteAsync(Stream stream, CancellationToken cancellationToken)
    {
        byte[] one = new byte[1];
        int read = await stream.ReadAsync(one, cancellationToken);
        return read == 1 ? one[0] : throw new EndOfStreamException("The broker closed the connection.");
    }

    private static byte[] Length16(int value) => [(byte)(value >> 8), (byte)value];

    private static byte[] Packet(byte header, List<byte> body)
    {
        var packet = new List<byte> { header };
        int remaining = body.Count;
        do
        {
            byte digit = (byte)(remaining % 128);
            remaining /= 128;
            packet.Add(remaining > 0 ? (byte)(digit | 0x80) : digit);
        }
        while (remaining > 0);
        packet.AddRange(body);
        return [.. packet];
    }
}
