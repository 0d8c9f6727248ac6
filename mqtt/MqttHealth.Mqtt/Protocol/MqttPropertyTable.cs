namespace MqttHealth.Mqtt.Protocol;

/// <summary>The data type of an MQTT 5.0 property value (5.0 §1.5).</summary>
public enum MqttPropertyType : byte
{
    Unknown = 0,
    Byte,
    TwoByteInteger,
    FourByteInteger,
    VariableByteInteger,
    Utf8String,
    BinaryData,
    Utf8StringPair,
}

/// <summary>
/// Table 2-4 of the MQTT 5.0 specification: each property's data type and the packets that may carry it.
/// Bit <c>n</c> of a mask is packet type <c>n</c>; bit 0 (packet type 0 is reserved) stands for the Will Properties.
/// </summary>
public static class MqttPropertyTable
{
    /// <summary>The pseudo packet kind used for Will Properties in a CONNECT payload.</summary>
    public const int WillKind = 0;

    private const ushort Will = 1 << 0;
    private const ushort Connect = 1 << 1;
    private const ushort ConnAck = 1 << 2;
    private const ushort Publish = 1 << 3;
    private const ushort PubAck = 1 << 4;
    private const ushort PubRec = 1 << 5;
    private const ushort PubRel = 1 << 6;
    private const ushort PubComp = 1 << 7;
    private const ushort Subscribe = 1 << 8;
    private const ushort SubAck = 1 << 9;
    private const ushort Unsubscribe = 1 << 10;
    private const ushort UnsubAck = 1 << 11;
    private const ushort Disconnect = 1 << 14;
    private const ushort Auth = 1 << 15;

    private static readonly MqttPropertyType[] Types = BuildTypes();
    private static readonly ushort[] Masks = BuildMasks();

    /// <summary>The data type of <paramref name="id"/>, or <see cref="MqttPropertyType.Unknown"/> for an identifier the spec does not define.</summary>
    public static MqttPropertyType TypeOf(byte id) => id < Types.Length ? Types[id] : MqttPropertyType.Unknown;

    /// <summary>Whether <paramref name="id"/> may appear in a packet of kind <paramref name="kind"/> (a packet type, or <see cref="WillKind"/>).</summary>
    public static bool IsAllowed(byte id, int kind) => id < Masks.Length && (Masks[id] & (1 << kind)) != 0;

    /// <summary>Whether the property may appear more than once in a packet of kind <paramref name="kind"/>.</summary>
    public static bool MayRepeat(MqttPropertyId id, int kind) =>
        id == MqttPropertyId.UserProperty
        || (id == MqttPropertyId.SubscriptionIdentifier && kind == (int)MqttPacketType.Publish);

    private static MqttPropertyType[] BuildTypes()
    {
        var t = new MqttPropertyType[0x2B];
        t[(int)MqttPropertyId.PayloadFormatIndicator] = MqttPropertyType.Byte;
        t[(int)MqttPropertyId.MessageExpiryInterval] = MqttPropertyType.FourByteInteger;
        t[(int)MqttPropertyId.ContentType] = MqttPropertyType.Utf8String;
        t[(int)MqttPropertyId.ResponseTopic] = MqttPropertyType.Utf8String;
        t[(int)MqttPropertyId.CorrelationData] = MqttPropertyType.BinaryData;
        t[(int)MqttPropertyId.SubscriptionIdentifier] = MqttPropertyType.VariableByteInteger;
        t[(int)MqttPropertyId.SessionExpiryInterval] = MqttPropertyType.FourByteInteger;
        t[(int)MqttPropertyId.AssignedClientIdentifier] = MqttPropertyType.Utf8String;
        t[(int)MqttPropertyId.ServerKeepAlive] = MqttPropertyType.TwoByteInteger;
        t[(int)MqttPropertyId.AuthenticationMethod] = MqttPropertyType.Utf8String;
        t[(int)MqttPropertyId.AuthenticationData] = MqttPropertyType.BinaryData;
        t[(int)MqttPropertyId.RequestProblemInformation] = MqttPropertyType.Byte;
        t[(int)MqttPropertyId.WillDelayInterval] = MqttPropertyType.FourByteInteger;
        t[(int)MqttPropertyId.RequestResponseInformation] = MqttPropertyType.Byte;
        t[(int)MqttPropertyId.ResponseInformation] = MqttPropertyType.Utf8String;
        t[(int)MqttPropertyId.ServerReference] = MqttPropertyType.Utf8String;
        t[(int)MqttPropertyId.ReasonString] = MqttPropertyType.Utf8String;
        t[(int)MqttPropertyId.ReceiveMaximum] = MqttPropertyType.TwoByteInteger;
        t[(int)MqttPropertyId.TopicAliasMaximum] = MqttPropertyType.TwoByteInteger;
        t[(int)MqttPropertyId.TopicAlias] = MqttPropertyType.TwoByteInteger;
        t[(int)MqttPropertyId.MaximumQoS] = MqttPropertyType.Byte;
        t[(int)MqttPropertyId.RetainAvailable] = MqttPropertyType.Byte;
        t[(int)MqttPropertyId.UserProperty] = MqttPropertyType.Utf8StringPair;
        t[(int)MqttPropertyId.MaximumPacketSize] = MqttPropertyType.FourByteInteger;
        t[(int)MqttPropertyId.WildcardSubscriptionAvailable] = MqttPropertyType.Byte;
        t[(int)MqttPropertyId.SubscriptionIdentifierAvailable] = MqttPropertyType.Byte;
        t[(int)MqttPropertyId.SharedSubscriptionAvailable] = MqttPropertyType.Byte;
        return t;
    }

    private static ushort[] BuildMasks()
    {
        var m = new ushort[0x2B];
        const ushort message = Publish | Will;
        m[(int)MqttPropertyId.PayloadFormatIndicator] = message;
        m[(int)MqttPropertyId.MessageExpiryInterval] = message;
        m[(int)MqttPropertyId.ContentType] = message;
        m[(int)MqttPropertyId.ResponseTopic] = message;
        m[(int)MqttPropertyId.CorrelationData] = message;
        m[(int)MqttPropertyId.SubscriptionIdentifier] = Publish | Subscribe;
        m[(int)MqttPropertyId.SessionExpiryInterval] = Connect | ConnAck | Disconnect;
        m[(int)MqttPropertyId.AssignedClientIdentifier] = ConnAck;
        m[(int)MqttPropertyId.ServerKeepAlive] = ConnAck;
        m[(int)MqttPropertyId.AuthenticationMethod] = Connect | ConnAck | Auth;
        m[(int)MqttPropertyId.AuthenticationData] = Connect | ConnAck | Auth;
        m[(int)MqttPropertyId.RequestProblemInformation] = Connect;
        m[(int)MqttPropertyId.WillDelayInterval] = Will;
        m[(int)MqttPropertyId.RequestResponseInformation] = Connect;
        m[(int)MqttPropertyId.ResponseInformation] = ConnAck;
        m[(int)MqttPropertyId.ServerReference] = ConnAck | Disconnect;
        m[(int)MqttPropertyId.ReasonString] = ConnAck | PubAck | PubRec | PubRel | PubComp | SubAck | UnsubAck | Disconnect | Auth;
        m[(int)MqttPropertyId.ReceiveMaximum] = Connect | ConnAck;
        m[(int)MqttPropertyId.TopicAliasMaximum] = Connect | ConnAck;
        m[(int)MqttPropertyId.TopicAlias] = Publish;
        m[(int)MqttPropertyId.MaximumQoS] = ConnAck;
        m[(int)MqttPropertyId.RetainAvailable] = ConnAck;
        m[(int)MqttPropertyId.UserProperty] = Will | Connect | ConnAck | Publish | PubAck | PubRec | PubRel | PubComp
            | Subscribe | SubAck | Unsubscribe | UnsubAck | Disconnect | Auth;
        m[(int)MqttPropertyId.MaximumPacketSize] = Connect | ConnAck;
        m[(int)MqttPropertyId.WildcardSubscriptionAvailable] = ConnAck;
        m[(int)MqttPropertyId.SubscriptionIdentifierAvailable] = ConnAck;
        m[(int)MqttPropertyId.SharedSubscriptionAvailable] = ConnAck;
        return m;
    }
}
