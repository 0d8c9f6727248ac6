namespace MqttHealth.Mqtt.Tests.Codec;

/// <summary>Topic Names with wildcards or without characters, bad Topic Filters and bad Shared Subscriptions.</summary>
public static partial class MalformedPacketCorpus
{
    // The spec names no reason code for the topic rules; the codec answers 0x82 Protocol Error (the packet
    // parses, its content is forbidden; 0x8F/0x90 are for a correctly formed filter or name that is refused),
    // see docs/mqtt-codec.md "Reason codes where the specification names none".
    private static IEnumerable<MalformedPacketCase> TopicCases()
    {
        // 5.0 §3.3.2.1 [MQTT-3.3.2-2] (3.1.1 [MQTT-3.3.2-2]): the Topic Name in PUBLISH has no wildcards.
        yield return Case("Topic_PublishSingleLevelWildcard", V5, ToServer, "30 06 00 03 61 2F 2B 00", ProtocolError, "MQTT-3.3.2-2");
        yield return Case("Topic_PublishMultiLevelWildcard", V5, ToClient, "30 04 00 01 23 00", ProtocolError, "MQTT-3.3.2-2");
        yield return Case("Topic_PublishQoS1WildcardInsideLevel", V5, ToServer, "32 09 00 04 61 2B 2F 62 00 01 00", ProtocolError, "MQTT-3.3.2-2");
        yield return Case("Topic_PublishMultiLevelWildcard_V311", V3, ToServer, "30 05 00 03 61 2F 23", ProtocolError, "MQTT-3.3.2-2");
        yield return Case("Topic_PublishSingleLevelWildcard_V311", V3, ToClient, "30 03 00 01 2B", ProtocolError, "MQTT-3.3.2-2");

        // 5.0 §4.7.0 [MQTT-4.7.0-1] (3.1.1 [MQTT-4.7.1-1]): wildcards never in a Topic Name; the Will Topic is
        // one (§3.1.3.3), and MQTT-3.3.2-2 speaks of PUBLISH only. Flags 06, Client Identifier "a", payload empty.
        yield return Case("Topic_WillTopicMultiLevelWildcard", V5, ToServer, "10 14 00 04 4D 51 54 54 05 06 00 3C 00 00 01 61 00 00 01 23 00 00", ProtocolError, "MQTT-4.7.0-1");
        yield return Case("Topic_WillTopicSingleLevelWildcard_V311", V3, ToServer, "10 14 00 04 4D 51 54 54 04 06 00 3C 00 01 61 00 03 61 2F 2B 00 00", ProtocolError, "MQTT-4.7.1-1");

        // 5.0 §4.7.3 [MQTT-4.7.3-1] (3.1.1 [MQTT-4.7.3-1]): Topic Names and Filters are at least one character.
        // 5.0 §3.3.2.1 allows a zero-length Topic Name only with a Topic Alias: without one it is a Protocol
        // Error (no id). Either way the Will Topic may not be empty.
        yield return Case("Topic_PublishEmptyTopic_V311", V3, ToServer, "30 02 00 00", ProtocolError, "MQTT-4.7.3-1");
        yield return Case("Topic_PublishQoS2EmptyTopic_V311", V3, ToClient, "34 04 00 00 00 01", ProtocolError, "MQTT-4.7.3-1");
        yield return Case("Topic_PublishEmptyTopicWithoutAlias", V5, ToServer, "30 03 00 00 00", ProtocolError, NoId);

        // Property Length 2: Payload Format Indicator 1, but no Topic Alias.
        yield return Case("Topic_PublishEmptyTopicWithOtherPropertiesOnly", V5, ToClient, "30 07 00 00 02 01 01 68 69", ProtocolError, NoId);
        yield return Case("Topic_WillTopicEmpty", V5, ToServer, "10 13 00 04 4D 51 54 54 05 06 00 3C 00 00 01 61 00 00 00 00 00", ProtocolError, "MQTT-4.7.3-1");
        yield return Case("Topic_WillTopicEmpty_V311", V3, ToServer, "10 11 00 04 4D 51 54 54 04 06 00 3C 00 01 61 00 00 00 00", ProtocolError, "MQTT-4.7.3-1");

        // 5.0 §4.7.1.2 [MQTT-4.7.1-1] (3.1.1 [MQTT-4.7.1-2]): '#' alone or after '/', and last.
        // 5.0 §4.7.1.3 [MQTT-4.7.1-2] (3.1.1 [MQTT-4.7.1-3]): '+' fills a whole level.
        // SUBSCRIBE: Packet Identifier 1, (Property Length 0), filter, options 00.
        yield return Case("Filter_SubscribeMultiLevelNotLast", V5, ToServer, "82 0B 00 01 00 00 05 61 2F 23 2F 62 00", ProtocolError, "MQTT-4.7.1-1");
        yield return Case("Filter_SubscribeMultiLevelAfterCharacter", V5, ToServer, "82 08 00 01 00 00 02 61 23 00", ProtocolError, "MQTT-4.7.1-1");
        yield return Case("Filter_SubscribeSingleLevelAfterCharacter", V5, ToServer, "82 08 00 01 00 00 02 61 2B 00", ProtocolError, "MQTT-4.7.1-2");
        yield return Case("Filter_SubscribeSingleLevelBeforeCharacter", V5, ToServer, "82 0A 00 01 00 00 04 2B 61 2F 62 00", ProtocolError, "MQTT-4.7.1-2");
        yield return Case("Filter_SubscribeEmpty", V5, ToServer, "82 06 00 01 00 00 00 00", ProtocolError, "MQTT-4.7.3-1");
        yield return Case("Filter_SubscribeSecondFilterBad", V5, ToServer, "82 0E 00 01 00 00 03 61 2F 23 01 00 02 23 23 02", ProtocolError, "MQTT-4.7.1-1");
        yield return Case("Filter_SubscribeMultiLevelAfterCharacter_V311", V3, ToServer, "82 12 00 01 00 0D 73 70 6F 72 74 2F 74 65 6E 6E 69 73 23 00", ProtocolError, "MQTT-4.7.1-2");
        yield return Case("Filter_SubscribeSingleLevelAfterCharacter_V311", V3, ToServer, "82 0B 00 01 00 06 73 70 6F 72 74 2B 00", ProtocolError, "MQTT-4.7.1-3");
        yield return Case("Filter_SubscribeEmpty_V311", V3, ToServer, "82 05 00 01 00 00 00", ProtocolError, "MQTT-4.7.3-1");

        // UNSUBSCRIBE: Packet Identifier 1, (Property Length 0), filter.
        yield return Case("Filter_UnsubscribeMultiLevelFirst", V5, ToServer, "A2 08 00 01 00 00 03 23 2F 61", ProtocolError, "MQTT-4.7.1-1");
        yield return Case("Filter_UnsubscribeSingleLevelAfterCharacter", V5, ToServer, "A2 09 00 01 00 00 04 61 2F 62 2B", ProtocolError, "MQTT-4.7.1-2");
        yield return Case("Filter_UnsubscribeEmpty", V5, ToServer, "A2 05 00 01 00 00 00", ProtocolError, "MQTT-4.7.3-1");
        yield return Case("Filter_UnsubscribeMultiLevelBeforeCharacter_V311", V3, ToServer, "A2 08 00 01 00 04 61 2F 23 62", ProtocolError, "MQTT-4.7.1-2");
        yield return Case("Filter_UnsubscribeTwoSingleLevelInOneLevel_V311", V3, ToServer, "A2 06 00 01 00 02 2B 2B", ProtocolError, "MQTT-4.7.1-3");
        yield return Case("Filter_UnsubscribeEmpty_V311", V3, ToServer, "A2 04 00 01 00 00", ProtocolError, "MQTT-4.7.3-1");

        // 5.0 §4.8.2: a Shared Subscription is "$share/" ShareName "/" filter; the ShareName has at least one
        // character [MQTT-4.8.2-1] and no '/', '+' or '#', and a Topic Filter follows it [MQTT-4.8.2-2].
        // "$share/" is 24 73 68 61 72 65 2F.
        yield return Case("Shared_SubscribeEmptyShareName", V5, ToServer, "82 0F 00 01 00 00 09 24 73 68 61 72 65 2F 2F 61 00", ProtocolError, "MQTT-4.8.2-1");
        yield return Case("Shared_SubscribeNoShareNameNoFilter", V5, ToServer, "82 0D 00 01 00 00 07 24 73 68 61 72 65 2F 00", ProtocolError, "MQTT-4.8.2-1");
        yield return Case("Shared_SubscribeNoFilter", V5, ToServer, "82 0E 00 01 00 00 08 24 73 68 61 72 65 2F 67 00", ProtocolError, "MQTT-4.8.2-2");
        yield return Case("Shared_SubscribeEmptyFilter", V5, ToServer, "82 0F 00 01 00 00 09 24 73 68 61 72 65 2F 67 2F 00", ProtocolError, "MQTT-4.8.2-2");
        yield return Case("Shared_SubscribeSingleLevelInShareName", V5, ToServer, "82 11 00 01 00 00 0B 24 73 68 61 72 65 2F 67 2B 2F 61 00", ProtocolError, "MQTT-4.8.2-2");
        yield return Case("Shared_SubscribeMultiLevelAsShareName", V5, ToServer, "82 10 00 01 00 00 0A 24 73 68 61 72 65 2F 23 2F 61 00", ProtocolError, "MQTT-4.8.2-2");
        yield return Case("Shared_SubscribeBadFilterAfterShareName", V5, ToServer, "82 11 00 01 00 00 0B 24 73 68 61 72 65 2F 67 2F 61 23 00", ProtocolError, "MQTT-4.7.1-1");
        yield return Case("Shared_UnsubscribeEmptyShareName", V5, ToServer, "A2 0E 00 01 00 00 09 24 73 68 61 72 65 2F 2F 61", ProtocolError, "MQTT-4.8.2-1");
        yield return Case("Shared_UnsubscribeSingleLevelAsShareName", V5, ToServer, "A2 0F 00 01 00 00 0A 24 73 68 61 72 65 2F 2B 2F 61", ProtocolError, "MQTT-4.8.2-2");

        // 5.0 §3.8.3.1 [MQTT-3.8.3-4]: No Local (options bit 2) must not be set on a Shared Subscription.
        yield return Case("Shared_SubscribeNoLocal", V5, ToServer, "82 10 00 01 00 00 0A 24 73 68 61 72 65 2F 67 2F 61 04", ProtocolError, "MQTT-3.8.3-4");
        yield return Case("Shared_SubscribeNoLocalOnSecondFilter", V5, ToServer, "82 14 00 01 00 00 01 61 04 00 0A 24 73 68 61 72 65 2F 67 2F 61 05", ProtocolError, "MQTT-3.8.3-4");
    }
}
