using System.Buffers;
using System.Collections.Frozen;
using MqttHealth.Mqtt.Protocol;

namespace MqttHealth.Mqtt.Codec;

/// <summary>
/// The decoder labels its rules with MQTT 5.0 statement ids. MQTT 3.1.1 numbers the same rules differently,
/// and some of the 5.0 numbers mean another rule there (3.1.1 MQTT-4.7.1-2 is the '#' rule, 5.0 MQTT-4.7.1-2
/// the '+' rule; 3.1.1 MQTT-3.8.3-2 is about wildcard support, not an empty SUBSCRIBE). On a 3.1.1 connection
/// the decoder re-labels an error with the 3.1.1 id of the same rule, or with no id where 3.1.1 states the
/// rule without one, so that <see cref="MqttProtocolException.NormativeId"/> always names a statement of the
/// version the peer speaks. Rules that exist only in 3.1.1 are thrown with their 3.1.1 id and are not listed.
/// The frame reader runs before the version is known and keeps its 5.0 ids.
/// </summary>
internal static class MqttV311NormativeIds
{
    private static readonly FrozenDictionary<string, string> FromV500 = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["MQTT-1.5.4-1"] = "MQTT-1.5.3-1",   // well-formed UTF-8, no surrogates
        ["MQTT-1.5.4-2"] = "MQTT-1.5.3-2",   // no U+0000
        ["MQTT-1.5.5-1"] = string.Empty,     // minimal Remaining Length: 3.1.1 §2.2.3 has no id
        ["MQTT-2.1.3-1"] = "MQTT-2.2.2-1",   // reserved fixed header flags
        ["MQTT-2.2.1-3"] = "MQTT-2.3.1-1",   // non-zero Packet Identifier in SUBSCRIBE, UNSUBSCRIBE, PUBLISH QoS > 0
        ["MQTT-2.2.1-4"] = "MQTT-2.3.1-1",
        ["MQTT-2.2.1-5"] = "MQTT-2.3.1-6",   // acknowledgement repeats the PUBLISH's id
        ["MQTT-2.2.1-6"] = "MQTT-2.3.1-7",   // SUBACK/UNSUBACK repeat the request's id
        ["MQTT-3.1.2-11"] = "MQTT-3.1.2-13", // Will QoS 0 when the Will Flag is 0
        ["MQTT-3.1.2-12"] = "MQTT-3.1.2-14", // Will QoS 3
        ["MQTT-3.1.2-13"] = "MQTT-3.1.2-15", // Will Retain 0 when the Will Flag is 0
        ["MQTT-3.2.2-1"] = string.Empty,     // CONNACK reserved flag bits: 3.1.1 §3.2.2.1 has no id
        ["MQTT-3.2.2-6"] = "MQTT-3.2.2-4",   // Session Present 0 with a refusal
        ["MQTT-3.8.3-2"] = "MQTT-3.8.3-3",   // SUBSCRIBE without a Topic Filter
        ["MQTT-3.8.4-6"] = "MQTT-3.8.4-5",   // SUBACK has a code per Topic Filter
        ["MQTT-4.7.0-1"] = "MQTT-4.7.1-1",   // no wildcards in a Topic Name (the Will Topic)
        ["MQTT-4.7.1-1"] = "MQTT-4.7.1-2",   // '#' placement
        ["MQTT-4.7.1-2"] = "MQTT-4.7.1-3",   // '+' placement
        ["MQTT-4.8.2-1"] = string.Empty,     // Shared Subscriptions are not in 3.1.1
        ["MQTT-4.8.2-2"] = string.Empty,
    }.ToFrozenDictionary(StringComparer.Ordinal);

    private static ReadOnlySpan<byte> V311ConnectHead => [0x00, 0x04, (byte)'M', (byte)'Q', (byte)'T', (byte)'T', 0x04];

    /// <summary>Whether <paramref name="error"/> came from a 3.1.1 packet and has a 5.0 id to re-label.</summary>
    public static bool Applies(in MqttFrame frame, MqttProtocolVersion version, MqttProtocolException error)
    {
        // CONNECT carries its own version: Protocol Name "MQTT" and Protocol Level 4 make it 3.1.1.
        bool v311 = frame.Type == MqttPacketType.Connect ? IsV311Connect(frame.Body) : version == MqttProtocolVersion.V311;
        return v311 && FromV500.ContainsKey(error.NormativeId);
    }

    /// <summary>The same error labelled with the 3.1.1 id; the original is kept as the inner exception.</summary>
    public static MqttProtocolException Translate(in MqttFrame frame, MqttProtocolException error)
    {
        string message = error.Message;
        string suffix = $" [{error.NormativeId}]";
        if (message.EndsWith(suffix, StringComparison.Ordinal))
        {
            message = message[..^suffix.Length];
        }

        // 3.1.1 [MQTT-2.3.1-6] names PUBACK, PUBREC and PUBREL only; that a PUBCOMP repeats the PUBREL's
        // Packet Identifier is stated in [MQTT-4.3.3-2].
        string id = frame.Type == MqttPacketType.PubComp && error.NormativeId == "MQTT-2.2.1-5"
            ? "MQTT-4.3.3-2"
            : FromV500[error.NormativeId];
        return new MqttProtocolException(error.ReasonCode, id, message, error);
    }

    private static bool IsV311Connect(in ReadOnlySequence<byte> body)
    {
        Span<byte> head = stackalloc byte[7];
        if (body.Length < head.Length)
        {
            return false;
        }

        body.Slice(0, head.Length).CopyTo(head);
        return head.SequenceEqual(V311ConnectHead);
    }
}
