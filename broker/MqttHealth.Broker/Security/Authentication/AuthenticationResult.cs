namespace MqttHealth.Broker.Security.Authentication;

/// <summary>The outcome of checking a CONNECT's credentials, and the principal when they were good.</summary>
public sealed record AuthenticationResult(AuthenticationOutcome Outcome, Principal? Principal)
{
    public static AuthenticationResult NoCredentials { get; } = new(AuthenticationOutcome.NoCredentials, null);

    public static AuthenticationResult Failed { get; } = new(AuthenticationOutcome.Failed, null);

    public static AuthenticationResult Success(Principal principal) => new(AuthenticationOutcome.Authenticated, principal);
}
