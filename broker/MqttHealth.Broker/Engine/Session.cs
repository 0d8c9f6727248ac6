using MqttHealth.Broker.Routing;
using MqttHealth.Mqtt.Protocol;

namespace MqttHealth.Broker.Engine;

/// <summary>
/// The server side of an MQTT session (5.0 §4.1): subscriptions, the queue, messages in flight both ways,
/// and whether a connection is attached. Lives longer than a connection when its expiry interval is not 0.
/// All members are touched only under the engine lock.
/// </summary>
internal sealed class Session
{
    public Session(string clientId)
    {
        ClientId = clientId;
    }

    /// <summary>
    /// The principal the session belongs to (<c>kind:name</c>), set by every accepted CONNECT and stored with a durable
    /// session; another principal may not take the client id over. Null only for a session restored from a database that
    /// did not know its owner (schema version 1, or rebuilt by recover) until its next CONNECT claims it.
    /// </summary>
    public string? Owner { get; set; }

    public string ClientId { get; }

    public MqttProtocolVersion ProtocolVersion { get; set; } = MqttProtocolVersion.V500;

    /// <summary>Seconds the session outlives its connection; 0 = ends with it; uint.MaxValue = never expires.</summary>
    public uint ExpiryInterval { get; set; }

    /// <summary>True when the session is written to durable storage (persistent session and a durable store).</summary>
    public bool IsDurable { get; set; }

    public MqttConnection? Connection { get; set; }

    /// <summary>When the last connection ended (Unix ms); null while connected.</summary>
    public long? DisconnectedAtUnixMs { get; set; }

    /// <summary>Subscriptions by Topic Filter as sent (including any $share prefix).</summary>
    public Dictionary<string, SubscriptionEntry<Session>> Subscriptions { get; } = new(StringComparer.Ordinal);

    /// <summary>Deliveries not sent yet, in order.</summary>
    public LinkedList<Delivery> Queue { get; } = new();

    /// <summary>QoS 1/2 deliveries sent and not yet completed, by packet id.</summary>
    public Dictionary<ushort, Delivery> Inflight { get; } = [];

    /// <summary>
    /// In-flight PUBLISHes of an earlier connection not yet resent on this one (Receive Maximum allowed
    /// fewer); they go, with DUP, before anything from the queue. Emptied on each resume.
    /// </summary>
    public LinkedList<Delivery> PendingResends { get; } = new();

    /// <summary>QoS 2 packet ids received from the client (PUBREC sent), until PUBREL [MQTT-4.3.3-9].</summary>
    public HashSet<ushort> InboundQos2 { get; } = [];

    /// <summary>Deliveries routed to this session whose storage commit has not completed yet (counted against the queue bound).</summary>
    public int PendingDeliveries { get; set; }

    public long NextSequence { get; set; } = 1;

    /// <summary>True while the queue is over its bound (so overflow is logged once per episode, counted always).</summary>
    public bool Overflowing { get; set; }

    /// <summary>The will to publish when the will delay ends, if the session is not resumed first.</summary>
    public PendingWill? PendingWill { get; set; }

    /// <summary>True once the session has been discarded (expired, cleaned, taken over with clean start).</summary>
    public bool Ended { get; set; }

    public long TakeSequence() => NextSequence++;
}
