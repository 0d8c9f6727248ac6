namespace MqttHealth.EdgeAgent.Status;

/// <summary>The uplink's state, as the status reports it.</summary>
public enum LinkState
{
    Connecting,
    Connected,

    /// <summary>Down; the uplink waits for its next attempt (exponential back-off with full jitter).</summary>
    Disconnected,

    Stopped,
}
