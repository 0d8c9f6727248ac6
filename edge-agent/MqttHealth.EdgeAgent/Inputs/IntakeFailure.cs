namespace MqttHealth.EdgeAgent.Inputs;

/// <summary>Why a reading was not stored.</summary>
public enum IntakeFailure
{
    None,

    /// <summary>Not a valid reading (JSON, members, values, unknown device): the client must fix it (HTTP 400).</summary>
    Invalid,

    /// <summary>The disk budget is full of data that may not be dropped: try later (HTTP 503).</summary>
    Full,

    /// <summary>The agent is stopping (HTTP 503).</summary>
    Stopping,
}
