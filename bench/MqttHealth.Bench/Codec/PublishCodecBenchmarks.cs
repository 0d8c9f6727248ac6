using System.Buffers;
using BenchmarkDotNet.Attributes;
using MqttHealth.Mqtt.Codec;
using MqttHealth.Mqtt.Packets;
using MqttHealth.Mqtt.Protocol;

namespace MqttHealth.Bench.Codec;

/// <summary>
/// Encoding and decoding one PUBLISH, as the broker and the agent do per message. Decoding through
/// <see cref="MqttPacketDecoder.DecodePublish"/> must allocate nothing: the view points into the buffer.
/// The full <see cref="MqttPacketDecoder.Decode"/> copies topic and payload into a <see cref="PublishPacket"/>
/// and is measured beside it to show what that copy costs.
/// </summary>
[MemoryDiagnoser]
public class PublishCodecBenchmarks
{
    private readonly ArrayBufferWriter<byte> _output = new(4096);
    private PublishPacket _packet = null!;
    private byte[] _encoded = [];

    [Params(16, 1024)]
    public int PayloadSize { get; set; }

    [Params(MqttProtocolVersion.V311, MqttProtocolVersion.V500)]
    public MqttProtocolVersion Version { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var payload = new byte[PayloadSize];
        new Random(42).NextBytes(payload);
        _packet = new PublishPacket
        {
            Topic = "mh/v1/fac01/icu3/dev0042/vitals",
            QoS = QualityOfService.AtLeastOnce,
            PacketId = 4242,
            Payload = payload,
            Properties = Version == MqttProtocolVersion.V500
                ? new MqttProperties { MessageExpiryInterval = 300, PayloadFormatIndicator = PayloadFormat.Unspecified }
                : null,
        };
        var writer = new ArrayBufferWriter<byte>();
        MqttPacketEncoder.Encode(_packet, Version, writer);
        _encoded = writer.WrittenSpan.ToArray();
    }

    [Benchmark]
    public int EncodePublish()
    {
        _output.ResetWrittenCount();
        return MqttPacketEncoder.EncodePublish(_packet, Version, _output);
    }

    [Benchmark]
    public int FrameAndDecodePublishView()
    {
        var buffer = new ReadOnlySequence<byte>(_encoded);
        MqttFrameReader.TryReadFrame(ref buffer, 1 << 20, out MqttFrame frame);
        PublishPacketView view = MqttPacketDecoder.DecodePublish(frame, Version, PacketDirection.ClientToServer);
        return (int)view.Payload.Length + view.PacketId;
    }

    [Benchmark]
    public int FrameAndDecodePublishPacket()
    {
        var buffer = new ReadOnlySequence<byte>(_encoded);
        MqttFrameReader.TryReadFrame(ref buffer, 1 << 20, out MqttFrame frame);
        var packet = (PublishPacket)MqttPacketDecoder.Decode(frame, Version, PacketDirection.ClientToServer);
        return packet.Payload.Length;
    }
}
