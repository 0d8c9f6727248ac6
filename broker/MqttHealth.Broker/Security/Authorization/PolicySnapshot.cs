namespace MqttHealth.Broker.Security.Authorization;

/// <summary>A policy and the version it had in a <see cref="PolicyStore"/>, taken together.</summary>
public sealed record PolicySnapshot(AuthorizationPolicy Policy, long Version);
