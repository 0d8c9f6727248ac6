using MqttHealth.Mqtt.Codec;
using MqttHealth.Mqtt.Packets;
using MqttHealth.Mqtt.Protocol;

namespace MqttHealth.Mqtt.Tests.Codec;

/// <summary>The MQTT 5.0 samples.</summary>
public static partial class PacketCatalogue
{
    private static IEnumerable<PacketSample> V500Samples()
    {
        const MqttProtocolVersion v = MqttProtocolVersion.V500;
        static PacketSample S(string name, PacketDirection direction, MqttPacket packet) => new("v5-" + name, v, direction, packet);

        // CONNECT (5.0 §3.1)
        yield return S("connect-minimal", ToServer, new ConnectPacket { ProtocolVersion = v, ClientId = "c", KeepAlive = 60 });
        yield return S("connect-all-properties-and-will-properties", ToServer, new ConnectPacket
        {
            ProtocolVersion = v,
            ClientId = "dévice-42",
            CleanStart = false,
            KeepAlive = ushort.MaxValue,
            UserName = "ålice",
            Password = Utf8("s3cret"),
            Properties = new MqttProperties
            {
                SessionExpiryInterval = uint.MaxValue,
                AuthenticationMethod = "SCRAM-SHA-256",
                AuthenticationData = new byte[] { 0x6E, 0x2C, 0x2C, 0x00, 0xFF },
                RequestProblemInformation = false,
                RequestResponseInformation = true,
                ReceiveMaximum = ushort.MaxValue,
                TopicAliasMaximum = 10,
                MaximumPacketSize = 268_435_460,
                UserProperties = { new("k", "v"), new("k", "v2"), new("ключ", "值 🙂") },
            },
            Will = new MqttWill
            {
                Topic = "will/ø",
                Payload = Utf8("{\"state\":\"gone\"}"),
                QoS = QualityOfService.ExactlyOnce,
                Retain = true,
                Properties = new MqttProperties
                {
                    PayloadFormatIndicator = PayloadFormat.Utf8,
                    MessageExpiryInterval = 120,
                    ContentType = "application/json; charset=utf-8",
                    ResponseTopic = "reply/ø",
                    CorrelationData = new byte[] { 1, 2, 3, 0 },
                    WillDelayInterval = 30,
                    UserProperties = { new("wk", "wv"), new("wk", "wv") },
                },
            },
        });
        yield return S("connect-password-without-username", ToServer, new ConnectPacket
        {
            // 5.0 §3.1.2.9 allows a Password without a User Name (3.1.1 did not).
            ProtocolVersion = v, ClientId = string.Empty, CleanStart = true, KeepAlive = 0, Password = Array.Empty<byte>(),
        });
        yield return S("connect-will-empty-properties-values", ToServer, new ConnectPacket
        {
            ProtocolVersion = v,
            ClientId = "w",
            KeepAlive = 5,
            UserName = string.Empty,
            Properties = new MqttProperties { SessionExpiryInterval = 0, ReceiveMaximum = 1, RequestProblemInformation = true, RequestResponseInformation = false },
            Will = new MqttWill
            {
                Topic = "w/t",
                QoS = QualityOfService.AtLeastOnce,
                Properties = new MqttProperties
                {
                    // Present-but-empty values must survive as present: an empty string or binary is not "absent".
                    PayloadFormatIndicator = PayloadFormat.Unspecified,
                    ContentType = string.Empty,
                    CorrelationData = Array.Empty<byte>(),
                    WillDelayInterval = 0,
                    UserProperties = { new(string.Empty, string.Empty) },
                },
            },
        });
        yield return S("connect-will-without-properties", ToServer, new ConnectPacket
        {
            ProtocolVersion = v, ClientId = "nw", KeepAlive = 30, Will = new MqttWill { Topic = "t", Payload = Utf8("bye") },
        });

        // CONNACK (5.0 §3.2)
        yield return S("connack-success-no-properties", ToClient, new ConnAckPacket { ReasonCode = ReasonCode.Success });
        yield return S("connack-all-properties", ToClient, new ConnAckPacket
        {
            SessionPresent = true,
            ReasonCode = ReasonCode.Success,
            Properties = new MqttProperties
            {
                SessionExpiryInterval = 0,
                AssignedClientIdentifier = "auto-EE534975-6A81-3502-2886-1EBC21698F43",
                ServerKeepAlive = 120,
                AuthenticationMethod = "SCRAM-SHA-256",
                AuthenticationData = new byte[] { 0x72, 0x3D, 0x00 },
                ResponseInformation = "resp/ü/",
                ServerReference = "other.example:1883",
                ReasonString = "Willkommen ✓",
                ReceiveMaximum = 1,
                TopicAliasMaximum = ushort.MaxValue,
                MaximumQoS = QualityOfService.AtLeastOnce,
                RetainAvailable = false,
                MaximumPacketSize = 1_048_576,
                WildcardSubscriptionAvailable = false,
                SubscriptionIdentifierAvailable = true,
                SharedSubscriptionAvailable = false,
                UserProperties = { new("a", "1"), new("b", "2"), new("a", "3") },
            },
        });
        yield return S("connack-maximum-qos0-retain-available", ToClient, new ConnAckPacket
        {
            ReasonCode = ReasonCode.Success,
            Properties = new MqttProperties
            {
                MaximumQoS = QualityOfService.AtMostOnce, RetainAvailable = true, WildcardSubscriptionAvailable = true,
                SubscriptionIdentifierAvailable = false, SharedSubscriptionAvailable = true, TopicAliasMaximum = 0,
            },
        });
        yield return S("connack-not-authorized-reason-string", ToClient, new ConnAckPacket
        {
            ReasonCode = ReasonCode.NotAuthorized, Properties = new MqttProperties { ReasonString = "nope" },
        });
        yield return S("connack-use-another-server", ToClient, new ConnAckPacket
        {
            ReasonCode = ReasonCode.UseAnotherServer, Properties = new MqttProperties { ServerReference = "b.example" },
        });

        // PUBLISH (5.0 §3.3)
        yield return S("publish-qos0-no-properties", ToServer, new PublishPacket { Topic = "a/b", Payload = Utf8("hello") });
        yield return S("publish-qos0-empty-payload", ToServer, new PublishPacket { Topic = "a/b" });
        yield return S("publish-qos1-all-client-properties", ToServer, new PublishPacket
        {
            Topic = "c/d/e",
            QoS = QualityOfService.AtLeastOnce,
            Retain = true,
            PacketId = 1,
            Payload = Utf8("wörld"),
            Properties = new MqttProperties
            {
                PayloadFormatIndicator = PayloadFormat.Utf8,
                MessageExpiryInterval = 60,
                ContentType = "text/plain",
                ResponseTopic = "r/t",
                CorrelationData = Utf8("abc"),
                TopicAlias = 7,
                UserProperties = { new("a", "b"), new("a", "b"), new("ä", "ß"), new(string.Empty, "empty-name") },
            },
        });
        yield return S("publish-qos2-dup-retain-subscription-identifiers", ToClient, new PublishPacket
        {
            // A server PUBLISH carries one Subscription Identifier per matching subscription (5.0 §3.3.4):
            // the values straddle every Variable Byte Integer size boundary.
            Topic = "sport/tennis/player1",
            QoS = QualityOfService.ExactlyOnce,
            Dup = true,
            Retain = true,
            PacketId = ushort.MaxValue,
            Payload = Pattern(64),
            Properties = new MqttProperties
            {
                MessageExpiryInterval = uint.MaxValue,
                SubscriptionIdentifiers = { 1, 127, 128, 16_383, 16_384, 2_097_151, 2_097_152, 268_435_455 },
                UserProperties = { new("origin", "broker") },
            },
        });
        yield return S("publish-qos1-topic-alias-empty-topic", ToServer, new PublishPacket
        {
            // 5.0 §3.3.2.1: a zero-length Topic Name with a Topic Alias.
            Topic = string.Empty,
            QoS = QualityOfService.AtLeastOnce,
            PacketId = 5,
            Payload = Utf8("aliased"),
            Properties = new MqttProperties { TopicAlias = ushort.MaxValue },
        });
        yield return S("publish-qos0-topic-alias-with-topic", ToClient, new PublishPacket
        {
            Topic = "sensors/1/temp", Payload = Utf8("21"), Properties = new MqttProperties { TopicAlias = 1, SubscriptionIdentifiers = { 9 } },
        });
        yield return S("publish-qos1-retain-empty-payload", ToServer, new PublishPacket
        {
            Topic = "c/d/e", QoS = QualityOfService.AtLeastOnce, Retain = true, PacketId = 1,
        });
        yield return S("publish-qos2-non-ascii", ToServer, new PublishPacket
        {
            Topic = "温度/センサー/🌡",
            QoS = QualityOfService.ExactlyOnce,
            PacketId = 2,
            Payload = Utf8("\uFEFF21.5 °C"),
            Properties = new MqttProperties
            {
                // U+FEFF must not be stripped [MQTT-1.5.4-3].
                ContentType = "\uFEFFtext/plain",
                CorrelationData = Array.Empty<byte>(),
                PayloadFormatIndicator = PayloadFormat.Unspecified,
                ResponseTopic = "antwort/ö",
            },
        });
        yield return S("publish-qos1-dup-binary-payload-empty-properties", ToClient, new PublishPacket
        {
            Topic = "bin", QoS = QualityOfService.AtLeastOnce, Dup = true, PacketId = 9, Payload = AllByteValues(), Properties = new MqttProperties(),
        });

        // Remaining Length in two and three bytes: topic "r" (3) + Property Length (1) + payload.
        yield return S("publish-remaining-length-2-bytes", ToServer, new PublishPacket { Topic = "r", Payload = Pattern(200) });
        yield return S("publish-remaining-length-3-bytes", ToServer, new PublishPacket
        {
            Topic = "r", QoS = QualityOfService.AtLeastOnce, PacketId = 77, Payload = Pattern(20_000),
        });

        // PUBACK / PUBREC / PUBREL / PUBCOMP (5.0 §3.4-§3.7): the short forms (Remaining Length 2: Success, no
        // properties; Remaining Length 3: Reason Code, no Property Length), and the long form with properties.
        yield return S("puback-short-success", ToServer, new PubAckPacket { PacketId = 1 });
        yield return S("puback-reason-only", ToClient, new PubAckPacket { PacketId = 1, ReasonCode = ReasonCode.NoMatchingSubscribers });
        yield return S("puback-success-with-properties", ToClient, new PubAckPacket
        {
            PacketId = 2, Properties = new MqttProperties { UserProperties = { new("x", "y") } },
        });
        yield return S("puback-reason-and-properties", ToClient, new PubAckPacket
        {
            PacketId = ushort.MaxValue,
            ReasonCode = ReasonCode.PayloadFormatInvalid,
            Properties = new MqttProperties { ReasonString = "not UTF-8 ✗", UserProperties = { new("a", "1"), new("a", "2") } },
        });
        yield return S("pubrec-short-success", ToClient, new PubRecPacket { PacketId = 3 });
        yield return S("pubrec-reason-only", ToServer, new PubRecPacket { PacketId = 3, ReasonCode = ReasonCode.UnspecifiedError });
        yield return S("pubrec-reason-and-properties", ToClient, new PubRecPacket
        {
            PacketId = 4,
            ReasonCode = ReasonCode.QuotaExceeded,
            Properties = new MqttProperties { ReasonString = "quota", UserProperties = { new("q", "1"), new("r", "2") } },
        });
        yield return S("pubrel-short-success", ToServer, new PubRelPacket { PacketId = 5 });
        yield return S("pubrel-reason-only", ToServer, new PubRelPacket { PacketId = 5, ReasonCode = ReasonCode.PacketIdentifierNotFound });
        yield return S("pubrel-reason-and-properties", ToClient, new PubRelPacket
        {
            PacketId = 6,
            ReasonCode = ReasonCode.Success,
            Properties = new MqttProperties { ReasonString = "released", UserProperties = { new("k", "v") } },
        });
        yield return S("pubcomp-short-success", ToClient, new PubCompPacket { PacketId = 7 });
        yield return S("pubcomp-reason-only", ToClient, new PubCompPacket { PacketId = 7, ReasonCode = ReasonCode.PacketIdentifierNotFound });
        yield return S("pubcomp-reason-and-properties", ToServer, new PubCompPacket
        {
            PacketId = 8,
            ReasonCode = ReasonCode.PacketIdentifierNotFound,
            Properties = new MqttProperties { ReasonString = "unknown id", UserProperties = { new("k", "v"), new("k", "w") } },
        });

        // SUBSCRIBE (5.0 §3.8): every combination of Maximum QoS, No Local, Retain As Published and Retain Handling.
        var combinations = new List<MqttSubscription>();
        foreach (QualityOfService qos in new[] { QualityOfService.AtMostOnce, QualityOfService.AtLeastOnce, QualityOfService.ExactlyOnce })
        {
            foreach (bool noLocal in new[] { false, true })
            {
                foreach (bool retainAsPublished in new[] { false, true })
                {
                    foreach (RetainHandling handling in new[] { RetainHandling.SendAtSubscribe, RetainHandling.SendAtSubscribeIfNew, RetainHandling.DoNotSend })
                    {
                        combinations.Add(new MqttSubscription(
                            $"opt/q{(int)qos}/nl{(noLocal ? 1 : 0)}/rap{(retainAsPublished ? 1 : 0)}/rh{(int)handling}/+",
                            qos,
                            noLocal,
                            retainAsPublished,
                            handling));
                    }
                }
            }
        }

        yield return S("subscribe-all-option-combinations", ToServer, new SubscribePacket
        {
            PacketId = 1,
            Subscriptions = combinations,
            Properties = new MqttProperties { SubscriptionIdentifiers = { 268_435_455 }, UserProperties = { new("k", "v"), new("k", "v") } },
        });
        yield return S("subscribe-no-properties", ToServer, new SubscribePacket
        {
            PacketId = 2, Subscriptions = [new MqttSubscription("a/b", QualityOfService.AtMostOnce)],
        });
        yield return S("subscribe-shared-and-wildcards", ToServer, new SubscribePacket
        {
            PacketId = 3,
            Properties = new MqttProperties { SubscriptionIdentifiers = { 1 } },
            Subscriptions =
            [
                // No Local must be 0 on a Shared Subscription [MQTT-3.8.3-4].
                new MqttSubscription("$share/grüppe/sensors/+/temp", QualityOfService.AtLeastOnce, false, true, RetainHandling.DoNotSend),
                new MqttSubscription("#", QualityOfService.ExactlyOnce),
                new MqttSubscription("$SYS/#", QualityOfService.AtMostOnce, true),
                new MqttSubscription("/+/", QualityOfService.AtLeastOnce),
                new MqttSubscription("温度/+/🌡", QualityOfService.ExactlyOnce),
            ],
        });

        // SUBACK (5.0 §3.9): every reason code table 3-8 allows.
        yield return S("suback-all-reason-codes-with-properties", ToClient, new SubAckPacket
        {
            PacketId = 1,
            ReasonCodes =
            [
                ReasonCode.GrantedQoS0, ReasonCode.GrantedQoS1, ReasonCode.GrantedQoS2, ReasonCode.UnspecifiedError,
                ReasonCode.ImplementationSpecificError, ReasonCode.NotAuthorized, ReasonCode.TopicFilterInvalid,
                ReasonCode.PacketIdentifierInUse, ReasonCode.QuotaExceeded, ReasonCode.SharedSubscriptionsNotSupported,
                ReasonCode.SubscriptionIdentifiersNotSupported, ReasonCode.WildcardSubscriptionsNotSupported,
            ],
            Properties = new MqttProperties { ReasonString = "mixed", UserProperties = { new("s", "1"), new("s", "2") } },
        });
        yield return S("suback-no-properties", ToClient, new SubAckPacket { PacketId = 2, ReasonCodes = [ReasonCode.GrantedQoS2] });

        // UNSUBSCRIBE / UNSUBACK (5.0 §3.10, §3.11)
        yield return S("unsubscribe-with-properties", ToServer, new UnsubscribePacket
        {
            PacketId = 2,
            TopicFilters = ["x/y", "$share/g/x/#", "ü/+"],
            Properties = new MqttProperties { UserProperties = { new("uk", "uv"), new("uk", "uv2") } },
        });
        yield return S("unsubscribe-no-properties", ToServer, new UnsubscribePacket { PacketId = 3, TopicFilters = ["nope/#"] });
        yield return S("unsuback-all-reason-codes-with-properties", ToClient, new UnsubAckPacket
        {
            PacketId = 2,
            ReasonCodes =
            [
                ReasonCode.Success, ReasonCode.NoSubscriptionExisted, ReasonCode.UnspecifiedError, ReasonCode.ImplementationSpecificError,
                ReasonCode.NotAuthorized, ReasonCode.TopicFilterInvalid, ReasonCode.PacketIdentifierInUse,
            ],
            Properties = new MqttProperties { ReasonString = "done", UserProperties = { new("u", "1"), new("u", "2") } },
        });
        yield return S("unsuback-no-properties", ToClient, new UnsubAckPacket { PacketId = 3, ReasonCodes = [ReasonCode.NoSubscriptionExisted] });

        // PINGREQ / PINGRESP (5.0 §3.12, §3.13)
        yield return S("pingreq", ToServer, PingReqPacket.Instance);
        yield return S("pingresp", ToClient, PingRespPacket.Instance);

        // DISCONNECT (5.0 §3.14): Remaining Length 0 (Normal disconnection), 1 (Reason Code only), and with properties.
        yield return S("disconnect-short", ToServer, new DisconnectPacket());
        yield return S("disconnect-reason-only-with-will", ToServer, new DisconnectPacket { ReasonCode = ReasonCode.DisconnectWithWillMessage });
        yield return S("disconnect-server-reason-only", ToClient, new DisconnectPacket { ReasonCode = ReasonCode.SessionTakenOver });
        yield return S("disconnect-client-properties", ToServer, new DisconnectPacket
        {
            // Session Expiry Interval only from the client [MQTT-3.14.2-2].
            ReasonCode = ReasonCode.NormalDisconnection,
            Properties = new MqttProperties
            {
                SessionExpiryInterval = 3600, ReasonString = "bye 👋", UserProperties = { new("dk", "dv"), new("dk", "dv") },
            },
        });
        yield return S("disconnect-server-properties", ToClient, new DisconnectPacket
        {
            ReasonCode = ReasonCode.UseAnotherServer,
            Properties = new MqttProperties { ServerReference = "b.example:8883", ReasonString = "moving", UserProperties = { new("x", "y") } },
        });

        // AUTH (5.0 §3.15): Remaining Length 0 means Success without properties.
        yield return S("auth-short-success", ToClient, new AuthPacket());
        yield return S("auth-continue", ToClient, new AuthPacket
        {
            ReasonCode = ReasonCode.ContinueAuthentication,
            Properties = new MqttProperties { AuthenticationMethod = "SCRAM-SHA-256", AuthenticationData = Utf8("r=abc,s=QSXCR+Q6sek8bf92,i=4096") },
        });
        yield return S("auth-reauthenticate-all-properties", ToServer, new AuthPacket
        {
            ReasonCode = ReasonCode.ReAuthenticate,
            Properties = new MqttProperties
            {
                AuthenticationMethod = "GS2-KRB5",
                AuthenticationData = new byte[] { 0, 1, 2, 3, 255 },
                ReasonString = "refresh ⟳",
                UserProperties = { new("a", "1"), new("a", "1") },
            },
        });
        yield return S("auth-success-with-method", ToClient, new AuthPacket
        {
            ReasonCode = ReasonCode.Success, Properties = new MqttProperties { AuthenticationMethod = "SCRAM-SHA-256" },
        });
    }
}
