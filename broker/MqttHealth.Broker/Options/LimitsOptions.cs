namespace MqttHealth.Broker.Options;

/// <summary>
/// The <c>Broker:Limits</c> section: abuse limits (issue 5). Each is a plain count checked under the engine lock; 0
/// turns a limit off. Refusals use the MQTT 5 reason codes meant for them and are counted in
/// <c>mqtthealth_messages_dropped_total</c> or logged as refused CONNECTs.
/// </summary>
public sealed class LimitsOptions
{
    /// <summary>Connected clients in all; one more gets CONNACK 0x97 Quota exceeded (3.1.1: 3 Server unavailable).</summary>
    public int MaxConnections { get; set; } = 100_000;

    /// <summary>
    /// Connected clients from one source address (a clinic's gateway or NAT counts once); one more gets CONNACK 0x97
    /// (3.1.1: 3).
    /// </summary>
    public int MaxConnectionsPerAddress { get; set; } = 2_000;

    /// <summary>Subscriptions one session may hold; a SUBSCRIBE filter beyond it gets 0x97 Quota exceeded (3.1.1: 0x80).</summary>
    public int MaxSubscriptionsPerClient { get; set; } = 1_000;

    /// <summary>
    /// The longest Topic Name or Topic Filter, in characters (the MQTT limit is 65,535 bytes). A longer PUBLISH topic gets
    /// 0x90 Topic Name invalid (3.1.1: acknowledged and dropped), a longer filter 0x8F Topic Filter invalid (3.1.1: 0x80).
    /// </summary>
    public int MaxTopicLength { get; set; } = 1_024;

    /// <summary>The most levels (separated by '/') in a Topic Name or Filter; refused as <see cref="MaxTopicLength"/>.</summary>
    public int MaxTopicLevels { get; set; } = 32;

    /// <summary>
    /// PUBLISH packets a second one client may send, with a burst of one second's worth; beyond it the client is
    /// disconnected with 0x96 Message rate too high (3.1.1: closed). 0 (the default) turns it off: a clinic gateway that
    /// forwards hours of buffered readings after an outage must not be cut off by a default; set it per deployment.
    /// </summary>
    public int MaxMessagesPerSecond { get; set; }

    /// <summary>PUBLISH bytes a second one client may send (burst: one second's worth); beyond it 0x97 Quota exceeded. 0 (default): off.</summary>
    public int MaxBytesPerSecond { get; set; }

    /// <summary>
    /// How long a new connection (TCP, TLS handshake done, or WebSocket) may stay silent before it sends CONNECT; then it
    /// is closed. It also bounds how long a CONNECT may wait for its credential check. 1 s to 5 minutes; default 10 s.
    /// </summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(10);
}
