using MqttHealth.Mqtt.Protocol;

namespace MqttHealth.Broker.Interop.Tests.Infrastructure;

/// <summary>The third-party clients by name, and the client x version matrices the theories run over.</summary>
public static class InteropClients
{
    public const string Mosquitto = "mosquitto";
    public const string Paho = "paho";
    public const string MqttJs = "mqttjs";

    private static readonly string[] All = [Mosquitto, Paho, MqttJs];
    private static readonly MqttProtocolVersion[] Versions = [MqttProtocolVersion.V311, MqttProtocolVersion.V500];

    public static IInteropClient Get(string name) => name switch
    {
        Mosquitto => MosquittoCliClient.Instance,
        Paho => ScriptClient.Paho,
        MqttJs => ScriptClient.MqttJs,
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, "Unknown interop client."),
    };

    /// <summary>Every client with MQTT 3.1.1 and 5.0.</summary>
    public static TheoryData<string, MqttProtocolVersion> WithVersions()
    {
        var data = new TheoryData<string, MqttProtocolVersion>();
        foreach (string client in All)
        {
            foreach (MqttProtocolVersion version in Versions)
            {
                data.Add(client, version);
            }
        }

        return data;
    }

    /// <summary>Every client with 3.1.1 and 5.0, at QoS 0, 1 and 2.</summary>
    public static TheoryData<string, MqttProtocolVersion, int> WithVersionsAndQoS()
    {
        var data = new TheoryData<string, MqttProtocolVersion, int>();
        foreach (string client in All)
        {
            foreach (MqttProtocolVersion version in Versions)
            {
                for (int qos = 0; qos <= 2; qos++)
                {
                    data.Add(client, version, qos);
                }
            }
        }

        return data;
    }

    /// <summary>The clients with a WebSocket transport (libmosquitto has none), with 3.1.1 and 5.0.</summary>
    public static TheoryData<string, MqttProtocolVersion> WebSocketWithVersions()
    {
        var data = new TheoryData<string, MqttProtocolVersion>();
        foreach (string client in All.Where(c => Get(c).Supports(MqttProtocolVersion.V500, ClientTransport.WebSocket)))
        {
            foreach (MqttProtocolVersion version in Versions)
            {
                data.Add(client, version);
            }
        }

        return data;
    }

    /// <summary>Publisher and subscriber from different clients and protocol versions.</summary>
    public static TheoryData<string, MqttProtocolVersion, string, MqttProtocolVersion> CrossClient() => new()
    {
        { Mosquitto, MqttProtocolVersion.V311, Paho, MqttProtocolVersion.V500 },
        { Paho, MqttProtocolVersion.V500, MqttJs, MqttProtocolVersion.V311 },
        { MqttJs, MqttProtocolVersion.V500, Mosquitto, MqttProtocolVersion.V500 },
        { Paho, MqttProtocolVersion.V311, Mosquitto, MqttProtocolVersion.V311 },
        { MqttJs, MqttProtocolVersion.V311, Paho, MqttProtocolVersion.V311 },
        { Mosquitto, MqttProtocolVersion.V500, MqttJs, MqttProtocolVersion.V500 },
    };
}
