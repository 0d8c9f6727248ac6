using System.Net.WebSockets;

namespace MqttHealth.Broker.Listeners;

/// <summary>
/// A WebSocket as a byte stream for MQTT (MQTT 5.0 §6): each write is one binary message; reads return the
/// bytes of binary messages regardless of how packets fall across frames [MQTT-6.0.0-2]. Unlike
/// <see cref="WebSocketStream"/>, which reads text messages as bytes, a text message ends the stream and is
/// remembered so that the caller can close with 1003 [MQTT-6.0.0-1].
/// </summary>
internal sealed class WebSocketMqttStream : Stream
{
    private readonly WebSocket _webSocket;

    public WebSocketMqttStream(WebSocket webSocket)
    {
        _webSocket = webSocket;
    }

    /// <summary>True once the client sent a text message; the connection must be closed.</summary>
    public bool ReceivedTextMessage { get; private set; }

    public override bool CanRead => true;

    public override bool CanWrite => true;

    public override bool CanSeek => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        while (_webSocket.State is WebSocketState.Open or WebSocketState.CloseSent && !ReceivedTextMessage)
        {
            ValueWebSocketReceiveResult result;
            try
            {
                result = await _webSocket.ReceiveAsync(buffer, cancellationToken).ConfigureAwait(false);
            }
            catch (WebSocketException ex)
            {
                // The engine treats IOException as "the peer went away", as it does for TCP.
                throw new IOException(ex.Message, ex);
            }

            switch (result.MessageType)
            {
                case WebSocketMessageType.Close:
                    return 0;
                case WebSocketMessageType.Text:
                    ReceivedTextMessage = true;
                    return 0;
                default:
                    if (result.Count > 0 || buffer.IsEmpty)
                    {
                        return result.Count;
                    }

                    // An empty binary frame carries nothing; wait for the next.
                    break;
            }
        }

        return 0;
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        try
        {
            await _webSocket.SendAsync(buffer, WebSocketMessageType.Binary, endOfMessage: true, cancellationToken).ConfigureAwait(false);
        }
        catch (WebSocketException ex)
        {
            throw new IOException(ex.Message, ex);
        }
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public override void Flush()
    {
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException("asynchronous only");

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException("asynchronous only");

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();
}
