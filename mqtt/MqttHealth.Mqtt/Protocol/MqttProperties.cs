namespace MqttHealth.Mqtt.Protocol;

/// <summary>
/// The MQTT 5.0 properties of one packet (or of a Will Message). A property is present when its member is
/// non-null (or, for the repeatable ones, non-empty). Which properties a packet may carry is checked by the
/// decoder and the encoder against <see cref="MqttPropertyTable"/>.
/// </summary>
public sealed class MqttProperties
{
    private List<MqttUserProperty>? _userProperties;
    private List<uint>? _subscriptionIdentifiers;

    public PayloadFormat? PayloadFormatIndicator { get; set; }

    public uint? MessageExpiryInterval { get; set; }

    public string? ContentType { get; set; }

    public string? ResponseTopic { get; set; }

    public ReadOnlyMemory<byte>? CorrelationData { get; set; }

    /// <summary>Subscription Identifiers: at most one in SUBSCRIBE; one per matching subscription in a PUBLISH to a client.</summary>
    public IList<uint> SubscriptionIdentifiers => _subscriptionIdentifiers ??= [];

    public uint? SessionExpiryInterval { get; set; }

    public string? AssignedClientIdentifier { get; set; }

    public ushort? ServerKeepAlive { get; set; }

    public string? AuthenticationMethod { get; set; }

    public ReadOnlyMemory<byte>? AuthenticationData { get; set; }

    public bool? RequestProblemInformation { get; set; }

    public uint? WillDelayInterval { get; set; }

    public bool? RequestResponseInformation { get; set; }

    public string? ResponseInformation { get; set; }

    public string? ServerReference { get; set; }

    public string? ReasonString { get; set; }

    public ushort? ReceiveMaximum { get; set; }

    public ushort? TopicAliasMaximum { get; set; }

    public ushort? TopicAlias { get; set; }

    /// <summary>Maximum QoS (CONNACK): only <see cref="QualityOfService.AtMostOnce"/> or <see cref="QualityOfService.AtLeastOnce"/> may be sent.</summary>
    public QualityOfService? MaximumQoS { get; set; }

    public bool? RetainAvailable { get; set; }

    public IList<MqttUserProperty> UserProperties => _userProperties ??= [];

    public uint? MaximumPacketSize { get; set; }

    public bool? WildcardSubscriptionAvailable { get; set; }

    public bool? SubscriptionIdentifierAvailable { get; set; }

    public bool? SharedSubscriptionAvailable { get; set; }

    internal bool HasUserProperties => _userProperties is { Count: > 0 };

    internal bool HasSubscriptionIdentifiers => _subscriptionIdentifiers is { Count: > 0 };

    internal int SubscriptionIdentifierCount => _subscriptionIdentifiers?.Count ?? 0;

    internal List<MqttUserProperty>? UserPropertyList => _userProperties;

    internal List<uint>? SubscriptionIdentifierList => _subscriptionIdentifiers;

    /// <summary>True when no property is set.</summary>
    public bool IsEmpty =>
        PayloadFormatIndicator is null && MessageExpiryInterval is null && ContentType is null && ResponseTopic is null
        && CorrelationData is null && !HasSubscriptionIdentifiers && SessionExpiryInterval is null
        && AssignedClientIdentifier is null && ServerKeepAlive is null && AuthenticationMethod is null
        && AuthenticationData is null && RequestProblemInformation is null && WillDelayInterval is null
        && RequestResponseInformation is null && ResponseInformation is null && ServerReference is null
        && ReasonString is null && ReceiveMaximum is null && TopicAliasMaximum is null && TopicAlias is null
        && MaximumQoS is null && RetainAvailable is null && !HasUserProperties && MaximumPacketSize is null
        && WildcardSubscriptionAvailable is null && SubscriptionIdentifierAvailable is null
        && SharedSubscriptionAvailable is null;
}
