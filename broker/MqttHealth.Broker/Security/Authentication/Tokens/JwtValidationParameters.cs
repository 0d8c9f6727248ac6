namespace MqttHealth.Broker.Security.Authentication.Tokens;

/// <summary>What a token's claims are checked against.</summary>
/// <param name="Issuer">The exact <c>iss</c>.</param>
/// <param name="Audience">A value <c>aud</c> must be or contain.</param>
/// <param name="ClockSkew">Tolerance applied to <c>exp</c>, <c>nbf</c> and <c>iat</c>.</param>
/// <param name="MaximumLifetime">When set, <c>exp</c> may lie at most this far after <c>iat</c> (or <c>nbf</c>, or now).</param>
public sealed record JwtValidationParameters(string Issuer, string Audience, TimeSpan ClockSkew, TimeSpan? MaximumLifetime = null);
