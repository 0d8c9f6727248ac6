using System.Buffers.Binary;
using System.Text;

namespace MqttHealth.Payloads.Envelope;

/// <summary>
/// The AEAD associated data: header bytes || u16be(len topic) || topic UTF-8 || u16be(len sender) || sender UTF-8.
/// The length prefixes fix the boundaries, so no byte can move from the topic into the sender id or back.
/// </summary>
internal static class AssociatedData
{
    /// <summary>The length of the associated data, or -1 when topic or sender id is longer than 65,535 UTF-8 bytes.</summary>
    public static int Length(int headerLength, string topic, string senderId)
    {
        var topicLength = Encoding.UTF8.GetByteCount(topic);
        var senderLength = Encoding.UTF8.GetByteCount(senderId);
        if (topicLength > EnvelopeConstants.MaxNameLength || senderLength > EnvelopeConstants.MaxNameLength)
        {
            return -1;
        }

        return headerLength + 2 + topicLength + 2 + senderLength;
    }

    /// <summary>Writes the associated data (its length from <see cref="Length"/>); returns the bytes written.</summary>
    public static int Write(ReadOnlySpan<byte> header, string topic, string senderId, Span<byte> destination)
    {
        header.CopyTo(destination);
        var n = header.Length;
        var topicLength = Encoding.UTF8.GetBytes(topic, destination[(n + 2)..]);
        BinaryPrimitives.WriteUInt16BigEndian(destination[n..], (ushort)topicLength);
        n += 2 + topicLength;
        var senderLength = Encoding.UTF8.GetBytes(senderId, destination[(n + 2)..]);
        BinaryPrimitives.WriteUInt16BigEndian(destination[n..], (ushort)senderLength);
        return n + 2 + senderLength;
    }
}
