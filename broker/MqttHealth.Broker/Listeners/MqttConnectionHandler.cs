using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http.Features;
using MqttHealth.Broker.Engine;

namespace MqttHealth.Broker.Listeners;

/// <summary>
/// Kestrel's handler for the TCP and TLS listeners: hands the raw connection to the engine. On the TLS port
/// Kestrel's HTTPS middleware has already completed the handshake and validated any client certificate.
/// </summary>
/// <remarks>
/// Kestrel creates this handler while it builds its options, which happens when the web application is
/// built, before the host starts. The engine is therefore looked up at the first connection, not injected:
/// creating it opens the store, and a store that refuses to open must be reported by the start-up path
/// (exit code 3), not thrown out of the application builder.
/// </remarks>
public sealed class MqttConnectionHandler : ConnectionHandler
{
    private readonly IServiceProvider _services;
    private MqttBroker? _broker;

    public MqttConnectionHandler(IServiceProvider services)
    {
        _services = services;
    }

    public override Task OnConnectedAsync(ConnectionContext connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        MqttBroker broker = _broker ??= _services.GetRequiredService<MqttBroker>();
        ITlsConnectionFeature? tls = connection.Features.Get<ITlsConnectionFeature>();
        var info = new MqttTransportInfo(connection.ConnectionId, tls is null ? "tcp" : "tls", connection.RemoteEndPoint, tls?.ClientCertificate);
        return broker.HandleConnectionAsync(connection.Transport, info);
    }
}
