using System.Text;
using MqttHealth.Mqtt.Codec;
using MqttHealth.Mqtt.Packets;
using MqttHealth.Mqtt.Protocol;

namespace MqttHealth.Mqtt.Tests.Codec;

/// <summary>
/// Valid sample packets for MQTT 3.1.1 and 5.0: all 15 packet types (AUTH only in 5.0) and, across the 5.0
/// samples, every property in every packet kind that table 2-4 allows it in (CatalogueCoverageTests checks
/// these claims against a transcription of the spec, so the catalogue cannot silently lose coverage).
/// The 3.1.1 samples are in this file, the 5.0 samples in PacketCatalogue.V500.cs.
/// </summary>
public static partial class PacketCatalogue
{
    private const PacketDirection ToServer = PacketDirection.ClientToServer;
    private const PacketDirection ToClient = PacketDirection.ServerToClient;

    private static readonly Lazy<IReadOnlyList<PacketSample>> LazySamples = new(Build);
    private static readonly Lazy<Dictionary<string, PacketSample>> LazyByName =
        new(() => LazySamples.Value.ToDictionary(s => s.Name, StringComparer.Ordinal));

    /// <summary>Every sample, 3.1.1 first.</summary>
    public static IReadOnlyList<PacketSample> Samples => LazySamples.Value;

    /// <summary>xunit MemberData: every sample.</summary>
    public static TheoryData<PacketSample> All => ToTheoryData(Samples);

    /// <summary>xunit MemberData: the PUBLISH samples.</summary>
    public static TheoryData<PacketSample> Publishes => ToTheoryData(Samples.Where(s => s.Packet is PublishPacket));

    /// <summary>xunit MemberData: the two protocol versions.</summary>
    public static TheoryData<MqttProtocolVersion> Versions => new() { MqttProtocolVersion.V311, MqttProtocolVersion.V500 };

    public static PacketSample Get(string name) => LazyByName.Value[name];

    public static IEnumerable<PacketSample> OfVersion(MqttProtocolVersion version) => Samples.Where(s => s.Version == version);

    private static TheoryData<PacketSample> ToTheoryData(IEnumerable<PacketSample> samples)
    {
        var data = new TheoryData<PacketSample>();
        foreach (PacketSample sample in samples)
        {
            data.Add(sample);
        }

        return data;
    }

    private static List<PacketSample> Build() => [.. V311Samples(), .. V500Samples()];

    private static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);

    /// <summary>A deterministic payload that is not all one value, so a shifted or truncated copy is caught.</summary>
    private static byte[] Pattern(int length)
    {
        var bytes = new byte[length];
        for (int i = 0; i < length; i++)
        {
            bytes[i] = (byte)((i * 31) + (i >> 8));
        }

        return bytes;
    }

    /// <summary>Every byte value 0x00-0xFF once: a payload is opaque binary, not text.</summary>
    private static byte[] AllByteValues()
    {
        var bytes = new byte[256];
        for (int i = 0; i < bytes.Length; i++)
        {
            bytes[i] = (byte)i;
        }

        return bytes;
    }

    private static IEnumerable<PacketSample> V311Samples()
    {
        const MqttProtocolVersion v = MqttProtocolVersion.V311;
        static PacketSample S(string name, PacketDirection direction, MqttPacket packet) => new("v311-" + name, v, direction, packet);

        // CONNECT (3.1.1 §3.1)
        yield return S("connect-minimal", ToServer, new ConnectPacket { ProtocolVersion = v, ClientId = "c", CleanStart = true, KeepAlive = 0 });
        yield return S("connect-empty-client-id", ToServer, new ConnectPacket { ProtocolVersion = v, ClientId = string.Empty, CleanStart = true, KeepAlive = 60 });
        yield return S("connect-will-qos2-retain-credentials", ToServer, new ConnectPacket
        {
            ProtocolVersion = v,
            ClientId = "sensor-ünï-01",
            CleanStart = false,
            KeepAlive = ushort.MaxValue,
            UserName = "ålice",
            Password = new byte[] { 0x00, 0x01, 0xFE, 0xFF },
            Will = new MqttWill { Topic = "will/ø", Payload = Utf8("gone"), QoS = QualityOfService.ExactlyOnce, Retain = true },
        });
        yield return S("connect-will-qos1-empty-payload-empty-username", ToServer, new ConnectPacket
        {
            ProtocolVersion = v,
            ClientId = "w",
            KeepAlive = 10,
            UserName = string.Empty,
            Will = new MqttWill { Topic = "status/w", Payload = ReadOnlyMemory<byte>.Empty, QoS = QualityOfService.AtLeastOnce },
        });
        yield return S("connect-will-qos0-empty-password", ToServer, new ConnectPacket
        {
            ProtocolVersion = v,
            ClientId = "x",
            KeepAlive = 1,
            UserName = "u",
            Password = Array.Empty<byte>(),
            Will = new MqttWill { Topic = "/", Payload = Utf8("é"), QoS = QualityOfService.AtMostOnce },
        });

        // CONNACK (3.1.1 §3.2): every return code.
        yield return S("connack-accepted-session-present", ToClient, new ConnAckPacket { SessionPresent = true, ReasonCode = ReasonCode.Success });
        yield return S("connack-accepted", ToClient, new ConnAckPacket { ReasonCode = ReasonCode.Success });
        foreach (ReasonCode refused in new[]
                 {
                     ReasonCode.UnsupportedProtocolVersion, ReasonCode.ClientIdentifierNotValid, ReasonCode.ServerUnavailable,
                     ReasonCode.BadUserNameOrPassword, ReasonCode.NotAuthorized,
                 })
        {
            yield return S($"connack-return-code-{(int)ConnAckPacket.ToConnectReturnCode(refused)}", ToClient, new ConnAckPacket { ReasonCode = refused });
        }

        // PUBLISH (3.1.1 §3.3)
        yield return S("publish-qos0", ToServer, new PublishPacket { Topic = "a/b", Payload = Utf8("hello") });
        yield return S("publish-qos0-empty-payload", ToServer, new PublishPacket { Topic = "a/b" });
        yield return S("publish-qos0-retain", ToServer, new PublishPacket { Topic = "status", Retain = true, Payload = Utf8("on") });
        yield return S("publish-qos1-retain", ToServer, new PublishPacket
        {
            Topic = "c/d/e", QoS = QualityOfService.AtLeastOnce, Retain = true, PacketId = 1, Payload = Utf8("world"),
        });
        yield return S("publish-qos1-dup-binary-payload-max-packet-id", ToClient, new PublishPacket
        {
            Topic = "bin", QoS = QualityOfService.AtLeastOnce, Dup = true, PacketId = ushort.MaxValue, Payload = AllByteValues(),
        });
        yield return S("publish-qos2-dup-retain", ToServer, new PublishPacket
        {
            Topic = "a/b", QoS = QualityOfService.ExactlyOnce, Dup = true, Retain = true, PacketId = 2, Payload = Utf8("12345"),
        });
        yield return S("publish-qos2-non-ascii-topic", ToClient, new PublishPacket
        {
            Topic = "温度/センサー/🌡", QoS = QualityOfService.ExactlyOnce, PacketId = 300, Payload = Utf8("21.5 °C"),
        });
        yield return S("publish-empty-levels-topic", ToServer, new PublishPacket { Topic = "/a//b/", Payload = Utf8("x") });
        yield return S("publish-sys-topic", ToClient, new PublishPacket { Topic = "$SYS/broker/uptime", Payload = Utf8("42 seconds") });

        // Remaining Length boundaries (5.0 §1.5.5 table): topic "r" is 3 bytes, so RL = 3 + payload.
        yield return S("publish-remaining-length-127", ToServer, new PublishPacket { Topic = "r", Payload = Pattern(124) });
        yield return S("publish-remaining-length-128", ToServer, new PublishPacket { Topic = "r", Payload = Pattern(125) });
        yield return S("publish-remaining-length-16383", ToServer, new PublishPacket { Topic = "r", Payload = Pattern(16_380) });
        yield return S("publish-remaining-length-16384", ToServer, new PublishPacket { Topic = "r", Payload = Pattern(16_381) });

        // QoS 1 and 2 flows (3.1.1 §3.4-§3.7)
        yield return S("puback", ToServer, new PubAckPacket { PacketId = 1 });
        yield return S("pubrec", ToClient, new PubRecPacket { PacketId = 2 });
        yield return S("pubrel", ToServer, new PubRelPacket { PacketId = 3 });
        yield return S("pubcomp-max-packet-id", ToClient, new PubCompPacket { PacketId = ushort.MaxValue });

        // SUBSCRIBE / SUBACK / UNSUBSCRIBE / UNSUBACK (3.1.1 §3.8-§3.11)
        yield return S("subscribe-one-filter-qos0", ToServer, new SubscribePacket
        {
            PacketId = 1, Subscriptions = [new MqttSubscription("a/b", QualityOfService.AtMostOnce)],
        });
        yield return S("subscribe-five-filters", ToServer, new SubscribePacket
        {
            PacketId = 10,
            Subscriptions =
            [
                new MqttSubscription("sport/tennis/+", QualityOfService.AtMostOnce),
                new MqttSubscription("sport/#", QualityOfService.AtLeastOnce),
                new MqttSubscription("#", QualityOfService.ExactlyOnce),
                new MqttSubscription("+/+/+", QualityOfService.AtLeastOnce),
                new MqttSubscription("ü/日本", QualityOfService.ExactlyOnce),
            ],
        });
        yield return S("suback-all-return-codes", ToClient, new SubAckPacket
        {
            PacketId = 10,
            ReasonCodes = [ReasonCode.GrantedQoS0, ReasonCode.GrantedQoS1, ReasonCode.GrantedQoS2, ReasonCode.UnspecifiedError],
        });
        yield return S("unsubscribe-two-filters", ToServer, new UnsubscribePacket { PacketId = 11, TopicFilters = ["sport/#", "a/+/c"] });
        yield return S("unsuback", ToClient, new UnsubAckPacket { PacketId = 11 });

        // PINGREQ / PINGRESP / DISCONNECT (3.1.1 §3.12-§3.14)
        yield return S("pingreq", ToServer, PingReqPacket.Instance);
        yield return S("pingresp", ToClient, PingRespPacket.Instance);
        yield return S("disconnect", ToServer, new DisconnectPacket());
    }
}
