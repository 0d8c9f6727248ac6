namespace MqttHealth.EdgeAgent.Inputs;

/// <summary>What an input tells its client about one reading.</summary>
/// <param name="Id">The stored reading's id (it is on disk); null when refused.</param>
/// <param name="Error">Why it was refused; null when stored.</param>
/// <param name="Kind">The kind of refusal (the HTTP input maps it to a status code).</param>
public sealed record IntakeResult(long? Id, string? Error, IntakeFailure Kind)
{
    public bool Accepted => Id is not null;

    public static IntakeResult Refused(IntakeFailure kind, string error) => new(null, error, kind);
}
