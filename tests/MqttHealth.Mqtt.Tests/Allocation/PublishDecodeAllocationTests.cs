using System.Buffers;
using MqttHealth.Mqtt.Codec;
using MqttHealth.Mqtt.Packets;
using MqttHealth.Mqtt.Protocol;

namespace MqttHealth.Mqtt.Tests.Allocation;

/// <summary>
/// The broker decodes every PUBLISH on its hot path; decoding must allocate nothing beyond what the caller
/// chooses to keep. Counted with the runtime's per-thread allocation counter, which is exact, so the test
/// asserts bytes, not time.
/// </summary>
public class PublishDecodeAllocationTests
{
    public static TheoryData<MqttProtocolVersion, int, bool> Cases => new()
    {
        { MqttProtocolVersion.V311, 16, false },
        { MqttProtocolVersion.V311, 1024, false },
        { MqttProtocolVersion.V500, 16, false },
        { MqttProtocolVersion.V500, 1024, true },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void FrameAndDecodePublish_ValidPacket_AllocatesNothing(MqttProtocolVersion version, int payloadSize, bool withProperties)
    {
        byte[] encoded = Encode(version, payloadSize, withProperties);

        // Warm up: JIT and static initialisers allocate once.
        long sink = DecodeOnce(encoded, version);

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1000; i++)
        {
            sink += DecodeOnce(encoded, version);
        }

        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(sink > 0);
        Assert.Equal(0, allocated);
    }

    [Fact]
    public void EncodePublish_IntoReusedBuffer_AllocatesNothing()
    {
        var packet = new PublishPacket
        {
            Topic = "mh/v1/fac01/icu3/dev0042/vitals",
            QoS = QualityOfService.ExactlyOnce,
            PacketId = 9,
            Payload = new byte[512],
            Properties = new MqttProperties { MessageExpiryInterval = 30, ContentType = "application/x-mh" },
        };
        var output = new ArrayBufferWriter<byte>(4096);
        MqttPacketEncoder.EncodePublish(packet, MqttProtocolVersion.V500, output);

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1000; i++)
        {
            output.ResetWrittenCount();
            MqttPacketEncoder.EncodePublish(packet, MqttProtocolVersion.V500, output);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    private static long DecodeOnce(byte[] encoded, MqttProtocolVersion version)
    {
        var buffer = new ReadOnlySequence<byte>(encoded);
        Assert.True(MqttFrameReader.TryReadFrame(ref buffer, 1 << 20, out MqttFrame frame));
        PublishPacketView view = MqttPacketDecoder.DecodePublish(frame, version, PacketDirection.ClientToServer);
        return view.Payload.Length + view.Topic.Length + view.PacketId;
    }

    private static byte[] Encode(MqttProtocolVersion version, int payloadSize, bool withProperties)
    {
        var properties = new MqttProperties
        {
            MessageExpiryInterval = 300,
            PayloadFormatIndicator = PayloadFormat.Unspecified,
            ContentType = "application/x-protobuf",
            ResponseTopic = "mh/v1/fac01/icu3/dev0042/cmd",
            CorrelationData = new byte[] { 1, 2, 3, 4 },
        };
        properties.UserProperties.Add(new MqttUserProperty("trace", "abc"));
        var packet = new PublishPacket
        {
            Topic = "mh/v1/fac01/icu3/dev0042/vitals",
            QoS = QualityOfService.AtLeastOnce,
            PacketId = 4242,
            Payload = new byte[payloadSize],
            Properties = withProperties ? properties : null,
        };
        var writer = new ArrayBufferWriter<byte>();
        MqttPacketEncoder.Encode(packet, version, writer);
        return writer.WrittenSpan.ToArray();
    }
}
