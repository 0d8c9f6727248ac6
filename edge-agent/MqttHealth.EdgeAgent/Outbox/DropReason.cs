namespace MqttHealth.EdgeAgent.Outbox;

/// <summary>Why the agent dropped data it had accepted (each counted and reported in the status).</summary>
public enum DropReason
{
    /// <summary>Older than its priority's maximum age (<c>Agent:Outbox:VitalsMaxAge</c>, <c>StatusMaxAge</c>).</summary>
    Expired,

    /// <summary>The oldest routine data, dropped to make room under the disk budget.</summary>
    DiskBudget,

    /// <summary>The broker refused the publish (a PUBACK/PUBREC reason code of 0x80 or more).</summary>
    Refused,
}
