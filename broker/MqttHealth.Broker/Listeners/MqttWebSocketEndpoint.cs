using System.Net;
using System.Net.WebSockets;
using MqttHealth.Broker.Engine;
using MqttHealth.Broker.Hosting;

namespace MqttHealth.Broker.Listeners;

/// <summary>
/// MQTT over WebSocket on the WebSocket port (MQTT 5.0 §6): only <c>GET /mqtt</c> upgrade requests offering the
/// <c>mqtt</c> subprotocol are accepted; the server selects <c>mqtt</c> [MQTT-6.0.0-3]. Anything else gets a
/// 4xx answer with a body saying what was expected, so a misconfigured client's operator can see why.
/// </summary>
public static class MqttWebSocketEndpoint
{
    public const string Path = "/mqtt";
    public const string SubProtocol = "mqtt";

    /// <summary>How long closing waits for the client's close frame before the connection is dropped.</summary>
    private static readonly TimeSpan CloseTimeout = TimeSpan.FromSeconds(2);

    public static async Task HandleAsync(HttpContext context, MqttBroker broker, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(broker);
        if (context.Request.Path != Path)
        {
            await RefuseAsync(context, logger, StatusCodes.Status404NotFound, $"MQTT over WebSocket is served at {Path} on this port\n").ConfigureAwait(false);
            return;
        }

        if (!context.WebSockets.IsWebSocketRequest)
        {
            await RefuseAsync(context, logger, StatusCodes.Status400BadRequest, $"{Path} accepts only WebSocket upgrade requests (GET with Upgrade: websocket and Sec-WebSocket-Protocol: {SubProtocol})\n").ConfigureAwait(false);
            return;
        }

        if (!OffersMqtt(context.WebSockets.WebSocketRequestedProtocols))
        {
            await RefuseAsync(context, logger, StatusCodes.Status400BadRequest, $"MQTT over WebSocket requires the WebSocket subprotocol '{SubProtocol}' in Sec-WebSocket-Protocol [MQTT-6.0.0-3]\n").ConfigureAwait(false);
            return;
        }

        using WebSocket webSocket = await context.WebSockets.AcceptWebSocketAsync(new WebSocketAcceptContext { SubProtocol = SubProtocol }).ConfigureAwait(false);
        await using var stream = new WebSocketMqttStream(webSocket);
        var pipe = new StreamDuplexPipe(stream);
        EndPoint? remote = context.Connection.RemoteIpAddress is { } address ? new IPEndPoint(address, context.Connection.RemotePort) : null;
        var info = new MqttTransportInfo(context.Connection.Id, "ws", remote, null);
        try
        {
            await broker.HandleConnectionAsync(pipe, info).ConfigureAwait(false);
        }
        finally
        {
            await pipe.CompleteAsync().ConfigureAwait(false);
            if (stream.ReceivedTextMessage)
            {
                logger.WebSocketTextFrame(context.Connection.Id);
            }

            await CloseAsync(webSocket, stream.ReceivedTextMessage).ConfigureAwait(false);
        }
    }

    private static bool OffersMqtt(IList<string> requested)
    {
        foreach (string protocol in requested)
        {
            if (string.Equals(protocol.Trim(), SubProtocol, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    private static async Task RefuseAsync(HttpContext context, ILogger logger, int status, string body)
    {
        if (logger.IsEnabled(LogLevel.Debug))
        {
            logger.WebSocketRequestRefused(context.Connection.RemoteIpAddress?.ToString(), body.TrimEnd());
        }

        context.Response.StatusCode = status;
        context.Response.ContentType = "text/plain; charset=utf-8";
        await context.Response.WriteAsync(body, context.RequestAborted).ConfigureAwait(false);
    }

    private static async Task CloseAsync(WebSocket webSocket, bool textMessage)
    {
        if (webSocket.State is not (WebSocketState.Open or WebSocketState.CloseReceived))
        {
            return;
        }

        using var timeout = new CancellationTokenSource(CloseTimeout);
        try
        {
            if (textMessage)
            {
                await webSocket.CloseAsync(WebSocketCloseStatus.InvalidMessageType, "MQTT requires binary frames", timeout.Token).ConfigureAwait(false);
            }
            else
            {
                await webSocket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, timeout.Token).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or IOException)
        {
            // The client went away or did not answer the close; the connection is dropped either way.
        }
    }
}
