using System.Text.Json;

namespace MqttHealth.Broker.Security.Authentication.Tokens;

/// <summary>A token whose signature, issuer, audience and times checked out.</summary>
/// <param name="Claims">The payload (a JSON object, no member twice).</param>
/// <param name="Algorithm">The algorithm it was signed with.</param>
/// <param name="Key">The key that verified it.</param>
/// <param name="ExpiresAt">Its <c>exp</c>.</param>
public sealed record ValidatedToken(JsonElement Claims, JwtAlgorithm Algorithm, JwtSigningKey Key, DateTimeOffset ExpiresAt);
