namespace MqttHealth.Broker.Security.Authorization;

/// <summary>
/// The policy file is not valid. The message names the file, the JSON path of the offending element (for
/// example <c>$.roles.nurse.rules[2].actions[1]</c>) and what is wrong, so the operator can fix it; the
/// broker exits with code 2 on this exception at start-up and keeps the old policy on a reload.
/// </summary>
public sealed class PolicyException : Exception
{
    public PolicyException()
    {
    }

    public PolicyException(string message)
        : base(message)
    {
    }

    public PolicyException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public PolicyException(string source, string path, string problem, Exception? innerException = null)
        : base($"{source}: at {path}: {problem}", innerException)
    {
        JsonPath = path;
    }

    /// <summary>Where in the file the problem is, as a JSON path from the root (<c>$</c>).</summary>
    public string? JsonPath { get; }
}
