using System.Text;
using System.Threading.Channels;
using MqttHealth.Mqtt.Client;
using MqttHealth.Mqtt.Protocol;

namespace MqttHealth.Broker.Tests.Infrastructure;

/// <summary>The real <see cref="MqttClient"/> against an <see cref="InProcessBroker"/>: options, topics, reads with timeouts.</summary>
public static class EngineClients
{
    /// <summary>Upper bound for anything a test waits for; generous for a loaded CI machine.</summary>
    public static readonly TimeSpan WaitLimit = TimeSpan.FromSeconds(10);

    public static MqttClientOptions ClientOptions(int port, string? clientId = null, MqttProtocolVersion version = MqttProtocolVersion.V500) => new()
    {
        Host = "127.0.0.1",
        Port = port,
        ProtocolVersion = version,
        ClientId = clientId ?? NewClientId(),
        ConnectTimeout = TimeSpan.FromSeconds(5),
    };

    public static string NewClientId() => "c" + Guid.NewGuid().ToString("N")[..20];

    /// <summary>A topic prefix no other test uses.</summary>
    public static string NewTopic(string name = "t") => $"test/{Guid.NewGuid():N}/{name}";

    public static async Task<MqttClient> ConnectAsync(MqttClientOptions options)
    {
        var client = new MqttClient(options);
        try
        {
            await client.ConnectAsync().WaitAsync(WaitLimit);
        }
        catch
        {
            await client.DisposeAsync();
            throw;
        }

        return client;
    }

    public static Task<MqttClient> ConnectAsync(InProcessBroker broker, Action<MqttClientOptions>? configure = null)
    {
        var options = ClientOptions(broker.Port);
        configure?.Invoke(options);
        return ConnectAsync(options);
    }

    /// <summary>Connects a client subscribed to <paramref name="topicFilter"/>.</summary>
    public static async Task<MqttClient> SubscriberAsync(InProcessBroker broker, string topicFilter, QualityOfService qos = QualityOfService.AtLeastOnce, Action<MqttClientOptions>? configure = null)
    {
        var client = await ConnectAsync(broker, configure);
        var result = await client.SubscribeAsync(topicFilter, qos).WaitAsync(WaitLimit);
        Assert.Equal((ReasonCode)qos, Assert.Single(result.ReasonCodes));
        return client;
    }

    /// <summary>
    /// A persistent-session subscriber (Clean Start 0, <paramref name="sessionExpiry"/> seconds) that subscribed
    /// to <paramref name="topicFilter"/> at QoS 1 and disconnected: what is published now queues in the broker
    /// until it calls <c>ConnectAsync()</c> again.
    /// </summary>
    public static async Task<MqttClient> OfflineSubscriberAsync(InProcessBroker broker, string topicFilter, uint sessionExpiry = 600)
    {
        var client = await SubscriberAsync(broker, topicFilter, QualityOfService.AtLeastOnce, o =>
        {
            o.CleanStart = false;
            o.SessionExpiryInterval = sessionExpiry;
        });
        await client.DisconnectAsync();
        await Eventually.ClientsConnectedAsync(broker, 0);
        return client;
    }

    public static async Task<MqttApplicationMessage> ReadAsync(this ChannelReader<MqttApplicationMessage> reader) =>
        await reader.ReadAsync().AsTask().WaitAsync(WaitLimit);

    public static async Task<MqttApplicationMessage> ReadAsync(this MqttClient client) =>
        await client.ReceivedMessages.ReadAsync();

    /// <summary>Reads messages until one has <paramref name="markerPayload"/>; returns those before it (bounded by <paramref name="max"/>).</summary>
    public static async Task<List<MqttApplicationMessage>> ReadUntilAsync(this MqttClient client, string markerPayload, int max = 1000)
    {
        var before = new List<MqttApplicationMessage>();
        for (int i = 0; i <= max; i++)
        {
            var message = await client.ReadAsync();
            if (Text(message) == markerPayload)
            {
                return before;
            }

            before.Add(message);
        }

        throw new InvalidOperationException($"The marker '{markerPayload}' did not arrive within {max} messages.");
    }

    public static byte[] Bytes(string text) => Encoding.UTF8.GetBytes(text);

    public static string Text(MqttApplicationMessage message) => Encoding.UTF8.GetString(message.Payload.Span);

    public static string Text(ReadOnlyMemory<byte> payload) => Encoding.UTF8.GetString(payload.Span);
}
