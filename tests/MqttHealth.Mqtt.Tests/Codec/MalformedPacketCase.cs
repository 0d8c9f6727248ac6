using MqttHealth.Mqtt.Codec;
using MqttHealth.Mqtt.Protocol;

namespace MqttHealth.Mqtt.Tests.Codec;

/// <summary>
/// One hand-written packet that breaks a rule of the spec, with the error the decoder must raise for it.
/// The bytes are written out in hex, independent of the encoder, so that a bug shared by the encoder and the
/// decoder cannot hide here.
/// </summary>
/// <param name="Name">Unique, descriptive; it is the theory's test case id.</param>
/// <param name="Version">The connection's version (a CONNECT is decoded with the version it declares).</param>
/// <param name="Direction">Who sent the packet.</param>
/// <param name="Hex">The whole packet, fixed header included, as hex bytes separated by spaces.</param>
/// <param name="ReasonCode">The reason code <see cref="MqttProtocolException.ReasonCode"/> must carry.</param>
/// <param name="NormativeId">The statement id <see cref="MqttProtocolException.NormativeId"/> must carry; "" where the spec has none.</param>
/// <param name="MaximumPacketSize">The limit given to the frame reader; no limit unless the case is about size.</param>
public sealed record MalformedPacketCase(
    string Name,
    MqttProtocolVersion Version,
    PacketDirection Direction,
    string Hex,
    ReasonCode ReasonCode,
    string NormativeId,
    int MaximumPacketSize = MalformedPacketCase.NoLimit)
{
    /// <summary>A maximum packet size that never limits (the frame reader's limit is an int).</summary>
    public const int NoLimit = int.MaxValue;

    public byte[] ToBytes() => Convert.FromHexString(Hex.Replace(" ", string.Empty, StringComparison.Ordinal));

    public override string ToString() => Name;
}
