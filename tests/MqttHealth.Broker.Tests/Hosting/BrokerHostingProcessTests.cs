using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using MqttHealth.Broker.Observability;

namespace MqttHealth.Broker.Tests.Hosting;

/// <summary>The real broker process: admin port, $SYS, the TLS listener with the development certificate, and WebSocket.</summary>
public sealed class BrokerHostingProcessTests : IClassFixture<HostingBrokerFixture>
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(10) };
    private readonly HostingBrokerFixture _fixture;

    public BrokerHostingProcessTests(HostingBrokerFixture fixture)
    {
        _fixture = fixture;
    }

    private Testing.BrokerPorts Ports => _fixture.Broker.Ports;

    [Fact]
    public async Task Healthz_RunningBroker_Returns200Ok()
    {
        using HttpResponseMessage response = await Http.GetAsync(new Uri($"http://127.0.0.1:{Ports.Admin}/healthz"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("ok", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task AdminEndpoints_OnTheWebSocketPort_AreNotServed()
    {
        using HttpResponseMessage metrics = await Http.GetAsync(new Uri($"http://127.0.0.1:{Ports.WebSocket}/metrics"));
        using HttpResponseMessage healthz = await Http.GetAsync(new Uri($"http://127.0.0.1:{Ports.WebSocket}/healthz"));

        Assert.Equal(HttpStatusCode.NotFound, metrics.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, healthz.StatusCode);
    }

    [Fact]
    public async Task MqttPath_OnTheAdminPort_IsNotServed()
    {
        using HttpResponseMessage response = await Http.GetAsync(new Uri($"http://127.0.0.1:{Ports.Admin}/mqtt"));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task Metrics_AfterAcknowledgedPublish_CountsTheMessage()
    {
        using (var tcp = new TcpClient())
        {
            await tcp.ConnectAsync(IPAddress.Loopback, Ports.Mqtt);
            NetworkStream stream = tcp.GetStream();
            await stream.WriteAsync(MqttWire.Connect("metrics-" + Guid.NewGuid().ToString("N")));
            Assert.Equal(MqttWire.ConnAckAccepted, await MqttWire.ReadPacketAsync(stream));
            await stream.WriteAsync(MqttWire.PublishQos1(7, "mh/v1/test/metrics", "x"));
            Assert.Equal(new byte[] { 0x40, 0x02, 0x00, 0x07 }, await MqttWire.ReadPacketAsync(stream));
        }

        using HttpResponseMessage response = await Http.GetAsync(new Uri($"http://127.0.0.1:{Ports.Admin}/metrics"));
        string text = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(PrometheusTextExporter.ContentType, response.Content.Headers.ContentType?.ToString());
        Assert.Contains("# TYPE mqtthealth_messages_received_total counter\n", text, StringComparison.Ordinal);
        Assert.True(Sample(text, "mqtthealth_messages_received_total") >= 1, text);
        Assert.True(Sample(text, "mqtthealth_bytes_received_bytes_total") > 0, text);
        Assert.Contains("\ndotnet_process_cpu_count ", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SysVersion_Subscribed_ArrivesRetained()
    {
        var (topic, payload, retain) = await FirstSysMessageAsync("$SYS/broker/version");

        Assert.Equal("$SYS/broker/version", topic);
        Assert.Equal(SysTopics.VersionText, payload);
        Assert.True(retain);
    }

    [Fact]
    public async Task SysUptime_EveryInterval_IsPublishedAgain()
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, Ports.Mqtt);
        NetworkStream stream = tcp.GetStream();
        await stream.WriteAsync(MqttWire.Connect("sys-" + Guid.NewGuid().ToString("N")));
        Assert.Equal(MqttWire.ConnAckAccepted, await MqttWire.ReadPacketAsync(stream));
        await stream.WriteAsync(MqttWire.Subscribe(1, "$SYS/broker/uptime", 0));
        Assert.Equal(0x90, (await MqttWire.ReadPacketAsync(stream))[0]);

        // The retained value first, then the next interval's (the interval is 1 s; each read waits at most 10 s).
        var first = MqttWire.ParsePublishQos0(await MqttWire.ReadPacketAsync(stream));
        var second = MqttWire.ParsePublishQos0(await MqttWire.ReadPacketAsync(stream));

        Assert.True(first.Retain);
        Assert.False(second.Retain);
        Assert.True(long.Parse(second.Payload, CultureInfo.InvariantCulture) >= long.Parse(first.Payload, CultureInfo.InvariantCulture));
    }

    [Theory]
    [InlineData(SslProtocols.Tls12)]
    [InlineData(SslProtocols.Tls13)]
    public async Task Tls_DevelopmentCertificate_HandshakeAndConnAck(SslProtocols protocol)
    {
        using X509Certificate2 certificate = TlsClient.LoadPem(_fixture.Broker.DevelopmentCertificatePath);

        SslProtocols? negotiated = await TlsClient.TryConnectAsync(Ports.Tls, certificate, protocol);

        Assert.Equal(protocol, negotiated);
    }

    [Fact]
    public async Task WebSocket_WithMqttSubprotocol_AcceptedAndAnswersConnect()
    {
        using var webSocket = new ClientWebSocket();
        webSocket.Options.AddSubProtocol("mqtt");
        using var timeout = new CancellationTokenSource(MqttWire.Timeout);

        await webSocket.ConnectAsync(new Uri($"ws://127.0.0.1:{Ports.WebSocket}/mqtt"), timeout.Token);
        await webSocket.SendAsync(MqttWire.Connect("ws-" + Guid.NewGuid().ToString("N")), WebSocketMessageType.Binary, endOfMessage: true, timeout.Token);
        byte[] buffer = new byte[64];
        WebSocketReceiveResult received = await webSocket.ReceiveAsync(buffer, timeout.Token);

        Assert.Equal("mqtt", webSocket.SubProtocol);
        Assert.Equal(WebSocketMessageType.Binary, received.MessageType);
        Assert.Equal(MqttWire.ConnAckAccepted, buffer[..received.Count]);
    }

    [Fact]
    public async Task WebSocket_WithoutMqttSubprotocol_Refused400()
    {
        using var webSocket = new ClientWebSocket();
        webSocket.Options.CollectHttpResponseDetails = true;
        using var timeout = new CancellationTokenSource(MqttWire.Timeout);

        await Assert.ThrowsAsync<WebSocketException>(() => webSocket.ConnectAsync(new Uri($"ws://127.0.0.1:{Ports.WebSocket}/mqtt"), timeout.Token));

        Assert.Equal(HttpStatusCode.BadRequest, webSocket.HttpStatusCode);
    }

    [Fact]
    public async Task WebSocket_UpgradeWithOtherSubprotocol_BodySaysMqttIsRequired()
    {
        string response = await RawHttpAsync(
            "GET /mqtt HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n"
            + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Protocol: mqttv3.1\r\n\r\n",
            "[MQTT-6.0.0-3]");

        Assert.StartsWith("HTTP/1.1 400 ", response, StringComparison.Ordinal);
        Assert.Contains("requires the WebSocket subprotocol 'mqtt'", response, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WebSocket_PlainGet_Refused400()
    {
        using HttpResponseMessage response = await Http.GetAsync(new Uri($"http://127.0.0.1:{Ports.WebSocket}/mqtt"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("only WebSocket upgrade requests", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task WebSocket_TextMessage_ClosedWithInvalidMessageType()
    {
        using var webSocket = new ClientWebSocket();
        webSocket.Options.AddSubProtocol("mqtt");
        using var timeout = new CancellationTokenSource(MqttWire.Timeout);
        await webSocket.ConnectAsync(new Uri($"ws://127.0.0.1:{Ports.WebSocket}/mqtt"), timeout.Token);

        await webSocket.SendAsync(Encoding.ASCII.GetBytes("hello"), WebSocketMessageType.Text, endOfMessage: true, timeout.Token);
        WebSocketReceiveResult received = await webSocket.ReceiveAsync(new byte[64], timeout.Token);

        Assert.Equal(WebSocketMessageType.Close, received.MessageType);
        Assert.Equal(WebSocketCloseStatus.InvalidMessageType, webSocket.CloseStatus);
    }

    private static long Sample(string exposition, string name)
    {
        foreach (string line in exposition.Split('\n'))
        {
            if (line.StartsWith(name + " ", StringComparison.Ordinal))
            {
                return long.Parse(line[(name.Length + 1)..], CultureInfo.InvariantCulture);
            }
        }

        throw new InvalidOperationException($"No sample {name} in:\n{exposition}");
    }

    private async Task<(string Topic, string Payload, bool Retain)> FirstSysMessageAsync(string filter)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, Ports.Mqtt);
        NetworkStream stream = tcp.GetStream();
        await stream.WriteAsync(MqttWire.Connect("sys-" + Guid.NewGuid().ToString("N")));
        Assert.Equal(MqttWire.ConnAckAccepted, await MqttWire.ReadPacketAsync(stream));
        await stream.WriteAsync(MqttWire.Subscribe(1, filter, 0));
        Assert.Equal(0x90, (await MqttWire.ReadPacketAsync(stream))[0]);
        byte[] publish = await MqttWire.ReadPacketAsync(stream);
        Assert.Equal(0x30, publish[0] & 0xF0);
        return MqttWire.ParsePublishQos0(publish);
    }

    /// <summary>Sends a raw HTTP request to the WebSocket port and reads until <paramref name="until"/> appears (bounded by a timeout).</summary>
    private async Task<string> RawHttpAsync(string request, string until)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, Ports.WebSocket);
        NetworkStream stream = tcp.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(request));
        using var timeout = new CancellationTokenSource(MqttWire.Timeout);
        var response = new StringBuilder();
        byte[] buffer = new byte[4096];
        while (!response.ToString().Contains(until, StringComparison.Ordinal))
        {
            int read = await stream.ReadAsync(buffer, timeout.Token);
            if (read == 0)
            {
                break;
            }

            response.Append(Encoding.ASCII.GetString(buffer, 0, read));
        }

        return response.ToString();
    }
}
