using System.Net;
using System.Security.Cryptography.X509Certificates;

namespace MqttHealth.Broker.Engine;

/// <summary>What the listener knows about a new connection before the first MQTT byte.</summary>
/// <param name="ConnectionId">Kestrel's connection id (for logs).</param>
/// <param name="Transport"><c>tcp</c>, <c>tls</c> or <c>ws</c>.</param>
/// <param name="RemoteEndPoint">The peer, when known.</param>
/// <param name="ClientCertificate">The validated TLS client certificate, when the client sent one.</param>
public sealed record MqttTransportInfo(
    string ConnectionId,
    string Transport,
    EndPoint? RemoteEndPoint,
    X509Certificate2? ClientCertificate);
