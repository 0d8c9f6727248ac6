namespace MqttHealth.Broker.Storage;

/// <summary>Where an outbound delivery is in the QoS flow.</summary>
public enum DeliveryState
{
    /// <summary>Waiting in the session's queue; not sent yet (or sent only as QoS 0 bookkeeping).</summary>
    Queued = 0,

    /// <summary>PUBLISH sent; waiting for PUBACK (QoS 1) or PUBREC (QoS 2). Resent with DUP on reconnect.</summary>
    Sent = 1,

    /// <summary>QoS 2: PUBREC received, PUBREL sent; waiting for PUBCOMP. PUBREL is resent on reconnect.</summary>
    Released = 2,
}
