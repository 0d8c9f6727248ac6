namespace MqttHealth.EdgeAgent.Status;

/// <summary>The link as last seen: state, since when, the last acknowledgement, the last error, reconnects.</summary>
public sealed record LinkInfo(LinkState State, DateTimeOffset Since, DateTimeOffset? LastAck, string? LastError, long Connects);
