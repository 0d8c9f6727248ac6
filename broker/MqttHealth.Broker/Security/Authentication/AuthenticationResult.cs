namespace MqttHealth.Broker.Security.Authentication;

/// <summary>The outcome of checking a CONNECT's credentials, and the principal when they were good.</summary>
/// <param name="Outcome">What the credentials came to.</param>
/// <param name="Principal">Who the connection acts for, when <see cref="AuthenticationOutcome.Authenticated"/>.</param>
/// <param name="ExpiresAt">When the credentials stop being valid (a token's <c>exp</c>, a certificate's end of validity); null when they do not expire.</param>
public sealed record AuthenticationResult(AuthenticationOutcome Outcome, Principal? Principal, DateTimeOffset? ExpiresAt = null)
{
    /// <summary>Why the credentials were refused, for the audit record (never sent to the client); null when not given.</summary>
    public string? Detail { get; init; }

    public static AuthenticationResult NoCredentials { get; } = new(AuthenticationOutcome.NoCredentials, null);

    public static AuthenticationResult Failed { get; } = new(AuthenticationOutcome.Failed, null);

    public static AuthenticationResult BadAuthenticationMethod { get; } = new(AuthenticationOutcome.BadAuthenticationMethod, null);

    public static AuthenticationResult Success(Principal principal, DateTimeOffset? expiresAt = null) => new(AuthenticationOutcome.Authenticated, principal, expiresAt);
}
