using System.Text;
using System.Threading.Channels;
using MqttHealth.Mqtt.Protocol;

namespace MqttHealth.Mqtt.Client.Tests.Infrastructure;

/// <summary>Options, topics and waits shared by the tests.</summary>
public static class TestClients
{
    /// <summary>Upper bound for anything a test waits for; generous for a loaded CI machine.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    public static MqttClientOptions Options(int port, MqttProtocolVersion version = MqttProtocolVersion.V500, string? clientId = null) => new()
    {
        Host = "127.0.0.1",
        Port = port,
        ProtocolVersion = version,
        ClientId = clientId ?? NewClientId(),
        ConnectTimeout = TimeSpan.FromSeconds(5),
    };

    public static string NewClientId() => "t" + Guid.NewGuid().ToString("N")[..20];

    /// <summary>A topic prefix no other test uses.</summary>
    public static string NewTopic(string name = "t") => $"test/{Guid.NewGuid():N}/{name}";

    public static async Task<MqttClient> ConnectAsync(MqttClientOptions options)
    {
        var client = new MqttClient(options);
        await client.ConnectAsync().WaitAsync(Timeout);
        return client;
    }

    public static Task<MqttClient> ConnectAsync(int port, MqttProtocolVersion version = MqttProtocolVersion.V500) =>
        ConnectAsync(Options(port, version));

    public static async Task<MqttApplicationMessage> ReadAsync(this ChannelReader<MqttApplicationMessage> reader) =>
        await reader.ReadAsync().AsTask().WaitAsync(Timeout);

    public static byte[] Bytes(string text) => Encoding.UTF8.GetBytes(text);

    public static string Text(MqttApplicationMessage message) => Encoding.UTF8.GetString(message.Payload.Span);
}
