using System.Net;
using System.Security.Cryptography.X509Certificates;

namespace MqttHealth.Broker.Security.Authentication;

/// <summary>Everything a CONNECT and its transport offer as proof of identity, for <see cref="ConnectAuthenticator"/>.</summary>
/// <param name="UserName">The CONNECT's User Name, if any.</param>
/// <param name="Password">The CONNECT's Password, if any: a password, or a JWT given as the password.</param>
/// <param name="AuthenticationMethod">MQTT 5 enhanced authentication: the Authentication Method property, if any.</param>
/// <param name="AuthenticationData">MQTT 5 enhanced authentication: the Authentication Data property, if any.</param>
/// <param name="ClientCertificate">The TLS client certificate, already validated against the facility CA by the listener.</param>
/// <param name="ConnectionId">The connection, for the log.</param>
/// <param name="Remote">The peer, for the log and the back-off.</param>
public sealed record ConnectCredentials(
    string? UserName,
    ReadOnlyMemory<byte>? Password,
    string? AuthenticationMethod,
    ReadOnlyMemory<byte>? AuthenticationData,
    X509Certificate2? ClientCertificate,
    string ConnectionId,
    EndPoint? Remote);
